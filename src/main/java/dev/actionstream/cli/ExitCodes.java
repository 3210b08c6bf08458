package dev.actionstream.cli;

import dev.actionstream.broker.BrokerError;
import dev.actionstream.engine.EngineStartError;
import dev.actionstream.ingest.CamerasFile;
import dev.actionstream.model.ManifestError;
import dev.actionstream.topology.TopologyError;
import picocli.CommandLine;

/**
 * Process exit codes, distinct per failure so that scripts and orchestrators can tell a bad model
 * from a bad command line. Later stages add theirs here (bad topology, unreachable broker).
 */
public final class ExitCodes {
  public static final int OK = 0;

  /** Anything unexpected: a bug or an environment problem; the stack trace is printed. */
  public static final int FAILURE = 1;

  /** The manifest is invalid, or the ONNX model does not match it or cannot be loaded. */
  public static final int BAD_MODEL = 2;

  /** ONNX Runtime's output differs from the golden (PyTorch) output by more than the tolerance. */
  public static final int PARITY_FAILED = 3;

  /** The Kafka broker cannot be started (e.g. its port is in use) or reached. */
  public static final int BROKER = 5;

  /**
   * The topology file is invalid, or its model cannot be loaded or does not fit it (a bad model
   * behind a topology is reported here too, on field {@code model}).
   */
  public static final int BAD_TOPOLOGY = 4;

  /** The camera file of {@code ingest} is invalid. */
  public static final int BAD_CAMERAS = 6;

  /**
   * Unknown option, missing parameter (sysexits EX_USAGE; picocli's default 2 means a bad model
   * here).
   */
  public static final int USAGE = 64;

  private ExitCodes() {}

  /** Maps what parsing or a command threw to an exit code (picocli asks it for both). */
  static final CommandLine.IExitCodeExceptionMapper MAPPER =
      ex -> {
        if (ex instanceof CommandLine.ParameterException) {
          return USAGE;
        }
        if (ex instanceof TopologyError) {
          return BAD_TOPOLOGY;
        }
        if (ex instanceof CamerasFile.CamerasError) {
          return BAD_CAMERAS;
        }
        if (ex instanceof ManifestError) {
          return BAD_MODEL;
        }
        if (ex instanceof BrokerError || ex instanceof EngineStartError) {
          return BROKER;
        }
        return FAILURE;
      };
}
