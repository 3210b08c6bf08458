package dev.actionstream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Memory sizes as topology files spell them. */
class ByteSizesTest {

  @ParameterizedTest(name = "{0} = {1} bytes")
  @CsvSource({
    "4GiB, 4294967296",
    "512MiB, 536870912",
    "64 MiB, 67108864",
    "1.5GiB, 1610612736",
    "2GB, 2000000000",
    "1500MB, 1500000000",
    "10KB, 10000",
    "3KiB, 3072",
    "1TiB, 1099511627776",
    "4gib, 4294967296",
    "100B, 100",
    "4096, 4096"
  })
  void sizeIsParsedWithBinaryAndDecimalUnits(String text, long bytes) {
    assertEquals(bytes, ByteSizes.parse(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"4 gigs", "GiB", "4GiBs", "1.5", "4 G", "four MiB", "", "1e9"})
  void otherSpellingsAreRefusedWithExamples(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse(text));

    assertTrue(
        e.getMessage().startsWith("must be a size such as 512MiB, 4GiB or 2GB (units B, KiB,"),
        e.getMessage());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"4294967296, 4 GiB", "67108864, 64 MiB", "1500000000, 1500000000 B", "3072, 3 KiB"})
  void formatUsesTheLargestExactBinaryUnit(long bytes, String text) {
    assertEquals(text, ByteSizes.format(bytes));
  }
}
