package io.fjord.client.producer;

/**
 * MurmurHash2 (32-bit, seed 0x9747b28c), the hash Kafka's producers use to map keys to partitions. Written from
 * Austin Appleby's published algorithm: 4-byte little-endian blocks mixed with m = 0x5bd1e995, r = 24, then the
 * tail bytes, then the final avalanche.
 */
public final class Murmur2 {
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur2() {
    }

    public static int hash(byte[] data) {
        int len = data.length;
        int h = SEED ^ len;
        int blocks = len >>> 2;
        for (int b = 0; b < blocks; b++) {
            int at = b << 2;
            int k = (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16 | (data[at + 3] & 0xff) << 24;
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = blocks << 2;
        switch (len & 3) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /** The non-negative form Kafka uses (sign bit cleared, not Math.abs). */
    public static int toPositive(int n) {
        return n & 0x7fffffff;
    }
}
