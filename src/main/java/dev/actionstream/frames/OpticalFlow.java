package dev.actionstream.frames;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import java.nio.FloatBuffer;
import java.util.Locale;
import org.bytedeco.opencv.global.opencv_optflow;
import org.bytedeco.opencv.global.opencv_video;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_video.DenseOpticalFlow;

/**
 * Dense optical flow between two frames, for models with a flow modality (the temporal stream of
 * Two-stream and TSN). Both frames become 8-bit grayscale, then OpenCV computes the flow from the
 * first to the second: Farnebäck with the parameters of OpenCV's own dense-flow sample, or Dual
 * TV-L1 with OpenCV's defaults. {@code tools/modelkit/flow.py} is the same computation in Python,
 * the reference the parity test holds this to.
 *
 * <p>Not thread-safe: it reuses its grayscale and flow images (and TV-L1's solver) between calls.
 */
public final class OpticalFlow implements AutoCloseable {
  /** How the flow is computed. */
  public enum Method {
    FARNEBACK,
    TVL1;

    /** The manifest spelling: {@code farneback}, {@code tvl1}. */
    public String spelled() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  // OpenCV's samples/python/opt_flow.py: pyramid scale 0.5, 3 levels, window 15, 3 iterations,
  // polynomial neighbourhood 5 with sigma 1.2.
  static final double PYR_SCALE = 0.5;
  static final int LEVELS = 3;
  static final int WINSIZE = 15;
  static final int ITERATIONS = 3;
  static final int POLY_N = 5;
  static final double POLY_SIGMA = 1.2;

  private final Method method;
  private final Mat prevGray = new Mat();
  private final Mat nextGray = new Mat();
  private final Mat flow = new Mat();
  private DenseOpticalFlow tvl1;

  public OpticalFlow(Method method) {
    this.method = method;
  }

  public Method method() {
    return method;
  }

  /**
   * The flow from {@code prevBgr} to {@code nextBgr} (8UC3 BGR images of one size) into {@code
   * dst[offset, offset + 2·H·W)}: the horizontal displacement plane, then the vertical one, in
   * pixels.
   */
  public void compute(Mat prevBgr, Mat nextBgr, float[] dst, int offset) {
    cvtColor(prevBgr, prevGray, COLOR_BGR2GRAY);
    cvtColor(nextBgr, nextGray, COLOR_BGR2GRAY);
    computeGray(prevGray, nextGray, dst, offset);
  }

  /**
   * As {@link #compute} for two 8UC1 grayscale images of one size (the frames a flow model's
   * {@link GrayCrop} keeps).
   */
  public void computeGray(Mat prevGray, Mat nextGray, float[] dst, int offset) {
    int w = prevGray.cols();
    int h = prevGray.rows();
    if (w != nextGray.cols() || h != nextGray.rows()) {
      throw new IllegalArgumentException("frames differ in size: %dx%d vs %dx%d"
          .formatted(w, h, nextGray.cols(), nextGray.rows()));
    }
    int area = w * h;
    if (dst.length - offset < 2 * area) {
      throw new IllegalArgumentException("dst holds %d floats from %d, flow needs 2 x %d x %d"
          .formatted(dst.length, offset, w, h));
    }
    if (method == Method.FARNEBACK) {
      opencv_video.calcOpticalFlowFarneback(
          prevGray, nextGray, flow, PYR_SCALE, LEVELS, WINSIZE, ITERATIONS, POLY_N, POLY_SIGMA, 0);
    } else {
      if (tvl1 == null) {
        tvl1 = opencv_optflow.createOptFlow_DualTVL1();
      }
      tvl1.calc(prevGray, nextGray, flow);
    }
    // CV_32FC2, interleaved (dx, dy) per pixel: split into the two planes.
    FloatBuffer xy = flow.createBuffer();
    for (int i = 0; i < area; i++) {
      dst[offset + i] = xy.get(2 * i);
      dst[offset + area + i] = xy.get(2 * i + 1);
    }
  }

  @Override
  public void close() {
    if (tvl1 != null) {
      tvl1.close();
    }
    prevGray.close();
    nextGray.close();
    flow.close();
  }
}
