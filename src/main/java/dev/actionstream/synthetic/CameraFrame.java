package dev.actionstream.synthetic;

/**
 * One frame of a synthetic camera, as a frame message would carry it.
 *
 * @param cameraId the camera's id (the record key)
 * @param sequence frame number from 0
 * @param captureTimeMs epoch milliseconds (the record timestamp)
 * @param jpeg the encoded image
 * @param action the true action at capture time (the script's segment)
 * @param segment index of that segment in the script
 */
public record CameraFrame(
    String cameraId, long sequence, long captureTimeMs, byte[] jpeg, int width, int height,
    Action action, int segment) {}
