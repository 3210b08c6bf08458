package dev.actionstream.engine;

import io.micrometer.core.instrument.Timer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A sink's value serializer that times each record into the PUBLISH stage: turning a prediction or
 * event into the bytes the producer sends. Kafka Streams serialises in the sink just before
 * handing the record to its producer, so this is the part of publishing that costs CPU per record
 * (the producer's append to its batch is not included; sending runs on its own I/O thread).
 */
final class TimedSerializer implements Serializer<Object> {
  private final Serializer<Object> inner;
  private final Timer timer;

  TimedSerializer(Serializer<Object> inner, Timer timer) {
    this.inner = inner;
    this.timer = timer;
  }

  @Override
  public byte[] serialize(String topic, Object data) {
    long t0 = System.nanoTime();
    byte[] bytes = inner.serialize(topic, data);
    timer.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
    return bytes;
  }
}
