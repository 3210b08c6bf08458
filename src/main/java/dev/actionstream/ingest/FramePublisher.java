package dev.actionstream.ingest;

import dev.actionstream.frames.FrameContract;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes camera frames to the frames topic per the frame contract: key = camera id, value =
 * JPEG, headers capture-ts / frame-seq / content-type, record timestamp = capture time.
 * Thread-safe (KafkaProducer is), so one publisher serves every camera thread.
 */
public final class FramePublisher implements AutoCloseable {
  private static final byte[] JPEG = "image/jpeg".getBytes(StandardCharsets.UTF_8);

  private final Producer<String, byte[]> producer;
  private final String topic;

  public FramePublisher(String bootstrapServers, String topic, Map<String, Object> overrides) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // JPEG does not compress; larger batches double throughput (REFERENCES §10). A short linger
    // keeps frame latency low.
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 << 10);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20);
    p.putAll(overrides);
    this.producer = new KafkaProducer<>(p);
    this.topic = topic;
  }

  /** Sends one frame; returns without waiting for the broker (errors are logged by callers). */
  public void publish(String camera, long captureTs, long seq, byte[] jpeg) {
    publish(camera, captureTs, seq, jpeg, null);
  }

  /** Sends one frame; {@code done} hears of its acknowledgement or failure on the producer's thread. */
  public void publish(String camera, long captureTs, long seq, byte[] jpeg, Callback done) {
    RecordHeaders h = new RecordHeaders();
    h.add(FrameContract.CAPTURE_TS, Long.toString(captureTs).getBytes(StandardCharsets.UTF_8));
    h.add(FrameContract.FRAME_SEQ, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
    h.add(FrameContract.CONTENT_TYPE, JPEG);
    producer.send(new ProducerRecord<>(topic, null, captureTs, camera, jpeg, h), done);
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
