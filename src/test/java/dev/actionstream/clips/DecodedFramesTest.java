package dev.actionstream.clips;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class DecodedFramesTest {
  private static Bytes key(int i) {
    return Bytes.wrap(new byte[] {(byte) i});
  }

  @Test
  void purgedFramesArraysAreReusedForTheNextFrames() {
    DecodedFrames cache = new DecodedFrames(1000);
    float[] a = cache.spareOrNew(10);
    float[] b = cache.spareOrNew(10);
    assertNotSame(a, b, "no spares yet: new arrays");
    cache.put(key(1), a);
    cache.put(key(2), b);

    cache.remove(key(1));

    assertNull(cache.get(key(1)));
    assertEquals(1, cache.spares());
    assertSame(a, cache.spareOrNew(10));
    assertEquals(0, cache.spares());
    assertNotSame(b, cache.spareOrNew(10), "a cached frame's array is never handed out");
  }

  @Test
  void evictedArraysAreNotReused() {
    // Eviction can drop a frame the window being gathered already holds: its array must stay.
    DecodedFrames cache = new DecodedFrames(20);
    float[] a = new float[10];
    cache.put(key(1), a);
    cache.put(key(2), new float[10]);
    cache.put(key(3), new float[10]);

    assertNull(cache.get(key(1)), "evicted, oldest first");
    assertEquals(0, cache.spares());
    assertNotSame(a, cache.spareOrNew(10));
  }

  @Test
  void sparesAreBoundedAndOfTheRequestedLength() {
    DecodedFrames cache = new DecodedFrames(Long.MAX_VALUE);
    for (int i = 0; i < DecodedFrames.MAX_SPARES + 10; i++) {
      cache.put(key(i), new float[10]);
    }
    for (int i = 0; i < DecodedFrames.MAX_SPARES + 10; i++) {
      cache.remove(key(i));
    }
    assertEquals(DecodedFrames.MAX_SPARES, cache.spares());

    assertEquals(12, cache.spareOrNew(12).length, "a spare of another length is not handed out");
    cache.clear();
    assertEquals(0, cache.spares());
  }
}
