package dev.actionstream.events;

import dev.actionstream.clips.ActionStores;
import dev.actionstream.metrics.EngineMetrics;
import dev.actionstream.topology.TopologyConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Predictions in, episode events out ({@link EpisodeTracker}); alert-label events also go to the
 * alerts topic. A wall-clock punctuation ends the episodes of cameras that went quiet, so a dead
 * camera still closes what it opened.
 */
public final class EpisodeProcessor implements Processor<Object, Object, Object, Object> {
  private final TopologyConfig config;
  private final EngineMetrics metrics;
  private final EpisodeTracker tracker;
  private ProcessorContext<Object, Object> context;
  // key: camera id; value: its recent scores and open episodes.
  private KeyValueStore<String, CameraEpisodes> store;

  public EpisodeProcessor(TopologyConfig config, EngineMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.tracker =
        new EpisodeTracker(
            config.episodes(), config.model().labels(), config.modelName(), config.applicationId());
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.context = context;
    this.store = context.getStateStore(ActionStores.OPEN_EPISODES);
    long quiet = config.episodes().quietTime().toMillis();
    Duration every = Duration.ofMillis(Math.max(100, Math.min(1000, quiet / 4)));
    context.schedule(every, PunctuationType.WALL_CLOCK_TIME, this::endQuiet);
  }

  @Override
  public void process(Record<Object, Object> record) {
    Prediction p = (Prediction) record.value();
    CameraEpisodes state = store.get(p.camera());
    if (state == null) {
      state = new CameraEpisodes();
    }
    List<Event> events =
        tracker.onPrediction(
            state, p, config.camera(p.camera()).labels(), context.currentSystemTimeMs());
    store.put(p.camera(), state);
    publish(events, record.timestamp());
    if (!events.isEmpty()) {
      // Events that follow from a window; quiet-time ends (below) come from the wall clock.
      long now = System.currentTimeMillis();
      for (int i = 0; i < events.size(); i++) {
        metrics.eventProduced(p.windowEnd(), now);
      }
    }
  }

  private void endQuiet(long wallNow) {
    List<KeyValue<String, CameraEpisodes>> quiet = new ArrayList<>();
    try (KeyValueIterator<String, CameraEpisodes> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, CameraEpisodes> kv = it.next();
        if (!kv.value.open.isEmpty()) {
          quiet.add(kv);
        }
      }
    }
    for (KeyValue<String, CameraEpisodes> kv : quiet) {
      List<Event> ends = tracker.onWallClock(kv.key, kv.value, wallNow);
      if (!ends.isEmpty()) {
        store.put(kv.key, kv.value);
        publish(ends, kv.value.lastWindowEnd);
      }
    }
  }

  private void publish(List<Event> events, long timestamp) {
    for (Event e : events) {
      metrics.event(e.type(), e.label());
      context.forward(new Record<Object, Object>(e.camera(), e, timestamp), ActionStores.TO_EVENTS);
      if (e.alert()) {
        context.forward(
            new Record<Object, Object>(e.camera(), e, timestamp), ActionStores.TO_ALERTS);
      }
    }
  }
}
