package dev.actionstream.cli;

import ai.onnxruntime.OrtEnvironment;
import dev.actionstream.broker.BrokerError;
import dev.actionstream.config.ConfigError;
import dev.actionstream.engine.EngineStartError;
import dev.actionstream.model.ManifestError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code actionstream} command: one subcommand per tool. */
@Command(
    name = "actionstream",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Real-time video action recognition on Kafka Streams and ONNX Runtime.",
    subcommands = {
      DemoCommand.class,
      SoakCommand.class,
      BenchCommand.class,
      RunCommand.class,
      BrokerCommand.class,
      IngestCommand.class,
      ValidateCommand.class,
      ModelBenchCommand.class,
      HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:unexpected failure (stack trace printed)",
      "2:bad model: invalid manifest, or the ONNX file does not match it",
      "3:golden parity failed",
      "4:bad topology: invalid topology file, or its model does not fit it",
      "5:Kafka unreachable or refusing the credentials/TLS, its input topic missing, or the in-process broker cannot start",
      "6:bad camera file (ingest)",
      "64:usage error"
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line; tests execute it in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExitCodeExceptionMapper(ExitCodes.MAPPER)
        .setExecutionExceptionHandler(Main::report);
  }

  @Spec CommandSpec spec;

  /** Without a subcommand: a usage error. */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /**
   * A bad model or topology, or a Kafka problem, is the user's to fix: print the message that
   * says what is wrong, not a stack trace.
   */
  private static int report(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (ex instanceof ManifestError
        || ex instanceof ConfigError
        || ex instanceof BrokerError
        || ex instanceof EngineStartError
        || ex instanceof dev.actionstream.http.HttpBindError) {
      cmd.getErr().println(cmd.getColorScheme().errorText("error: " + ex.getMessage()));
    } else {
      ex.printStackTrace(cmd.getErr());
    }
    return ExitCodes.MAPPER.getExitCode(ex);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "actionstream " + (version == null ? "(development build)" : version),
        "ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion(),
        "Java " + Runtime.version()
      };
    }
  }
}
