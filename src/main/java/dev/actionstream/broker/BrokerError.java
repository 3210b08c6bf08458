package dev.actionstream.broker;

/**
 * The Kafka broker cannot be started or reached. The message says why in the operator's words
 * ({@code "cannot start the Kafka broker: 127.0.0.1:9092 is already in use"}), so the CLI prints it
 * without a stack trace and exits with its own code.
 */
public class BrokerError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BrokerError(String message, Throwable cause) {
    super(message, cause);
  }
}
