package dev.actionstream.events;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One record of the predictions topic: the model's verdict on one (camera, window). JSON Schema:
 * config/schemas/prediction.schema.json.
 *
 * @param windowStart window start, camera time (epoch ms): window end − clip duration
 * @param windowEnd window end, camera time (epoch ms); (camera, windowEnd) identifies the window
 * @param frames distinct frames sampled into the clip
 * @param label top-1 label (= topK[0].label)
 * @param score top-1 probability
 * @param topK the k best labels, best first, with softmax probabilities
 * @param scores probability of every label, in the model's label order
 * @param inferenceMs ONNX Runtime time for this clip
 * @param latencyMs wall clock at publication − window end: how far behind real time this is
 */
public record Prediction(
    String camera,
    @JsonProperty("window_start") long windowStart,
    @JsonProperty("window_end") long windowEnd,
    int frames,
    String label,
    double score,
    @JsonProperty("top_k") List<LabelScore> topK,
    List<Double> scores,
    String model,
    String topology,
    @JsonProperty("inference_ms") double inferenceMs,
    @JsonProperty("latency_ms") long latencyMs) {

  public record LabelScore(String label, double score) {}
}
