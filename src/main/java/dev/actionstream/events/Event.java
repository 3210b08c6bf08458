package dev.actionstream.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One record of the events topic: a change in an action episode. JSON Schema:
 * config/schemas/event.schema.json.
 *
 * @param type new | update | end
 * @param id stable for the whole episode, the same after a reprocessing (derived from camera,
 *     label and start)
 * @param score smoothed score now
 * @param topScore highest smoothed score so far
 * @param start window start of the window that opened the episode (camera time, epoch ms)
 * @param end window end of the last window in the episode; null until the end event
 * @param windowEnd the window that caused this event (for quiet ends: the camera's last window)
 * @param endReason for end events: {@code score} (dropped below exit) or {@code quiet} (camera
 *     silent for the quiet time)
 * @param alert whether the label is an alert label of the topology
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(
    String type,
    String id,
    String camera,
    String label,
    double score,
    @JsonProperty("top_score") double topScore,
    long start,
    Long end,
    @JsonProperty("window_end") long windowEnd,
    @JsonProperty("end_reason") String endReason,
    boolean alert,
    String model,
    String topology) {

  public static final String NEW = "new";
  public static final String UPDATE = "update";
  public static final String END = "end";
}
