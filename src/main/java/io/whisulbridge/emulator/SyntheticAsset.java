package io.whisulbridge.emulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A file of any size that costs no memory and no rendering: byte {@code i} is a pure function of the job id and
 * {@code i}, so the emulator streams it chunk by chunk and a test computes the same SHA-256 without downloading it.
 * For proving that a consumer streams (a file larger than its heap), not for listening.
 */
public final class SyntheticAsset {

    public static final String CONTENT_TYPE = "application/octet-stream";

    private SyntheticAsset() {}

    /** Fills {@code chunk} with the bytes at {@code offset}, {@code offset + 1}, ... of the job's file. */
    public static void fill(String jobId, long offset, byte[] chunk, int length) {
        long seed = seed(jobId);
        for (int i = 0; i < length; i++) {
            long position = offset + i;
            chunk[i] = (byte) (mix(seed + (position >>> 3)) >>> ((position & 7) * 8));
        }
    }

    /** The SHA-256 of the job's file of {@code size} bytes, computed the way the emulator streams it. */
    public static byte[] sha256(String jobId, long size) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] chunk = new byte[1 << 16];
        for (long offset = 0; offset < size; offset += chunk.length) {
            int length = (int) Math.min(chunk.length, size - offset);
            fill(jobId, offset, chunk, length);
            digest.update(chunk, 0, length);
        }
        return digest.digest();
    }

    private static long seed(String jobId) {
        long h = 1125899906842597L;
        for (byte b : jobId.getBytes(StandardCharsets.UTF_8)) {
            h = 31 * h + b;
        }
        return h;
    }

    /** SplitMix64's finaliser: neighbouring words look unrelated, so a dropped or repeated chunk changes the hash. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
