package org.pclora.bert.tf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

/**
 * Reader of a TensorFlow checkpoint in the tensor-bundle format ({@code variables.index} +
 * {@code variables.data-NNNNN-of-MMMMM}), as written by TF 1.x savers and inside SavedModels.
 *
 * <p>The index is a LevelDB-format table (footer, index block, data blocks with prefix-compressed
 * keys and restart points, each block checked by its masked CRC32C) whose values are
 * BundleEntryProto messages, decoded by hand here; the empty key holds BundleHeaderProto. Every
 * structural fault and checksum mismatch is a {@link PcLoraException} naming the file.
 */
public final class TensorBundle {
    /** TF DataType DT_FLOAT. */
    public static final int DT_FLOAT = 1;
    /** TF DataType DT_DOUBLE. */
    public static final int DT_DOUBLE = 2;
    /** TF DataType DT_INT32. */
    public static final int DT_INT32 = 3;
    /** TF DataType DT_INT64. */
    public static final int DT_INT64 = 9;

    private static final long MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER = 48;

    /** One tensor's index record. */
    public record Entry(String name, int dtype, long[] shape, int shard, long offset, long size, int crc32c) {
        /** Number of elements. */
        public long length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + " dtype " + dtype;
        }
    }

    private final Path index;
    private final String prefix;
    private final int numShards;
    private final Map<String, Entry> entries;

    private TensorBundle(Path index, int numShards, Map<String, Entry> entries) {
        this.index = index;
        String file = index.getFileName().toString();
        this.prefix = file.substring(0, file.length() - ".index".length());
        this.numShards = numShards;
        this.entries = entries;
    }

    /**
     * Opens a bundle given its {@code .index} file, its prefix ({@code .../variables}), a folder
     * holding {@code variables.index}, or a SavedModel folder holding {@code variables/}.
     */
    public static TensorBundle open(Path location) {
        Path idx = locateIndex(location);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(idx);
        } catch (IOException e) {
            throw new PcLoraException("TF checkpoint index " + idx + " cannot be read (" + e + ")");
        }
        return parse(idx, bytes);
    }

    static Path locateIndex(Path location) {
        List<Path> candidates = List.of(location, Path.of(location + ".index"), location.resolve("variables.index"),
                location.resolve("variables").resolve("variables.index"));
        for (Path p : candidates) {
            if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".index")) {
                return p;
            }
        }
        throw new PcLoraException("TF checkpoint " + location + " not found: expected a variables.index file, its"
                + " prefix, or a folder (SavedModel) holding variables/variables.index");
    }

    static TensorBundle parse(Path idx, byte[] b) {
        String f = "TF checkpoint index " + idx;
        if (b.length < FOOTER) {
            throw new PcLoraException(f + " is " + b.length + " bytes, shorter than the 48-byte table footer: the"
                    + " file is truncated or not a tensor-bundle index");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (bb.getLong(b.length - 8) != MAGIC) {
            throw new PcLoraException(f + " has no table magic number at its end: the file is truncated or not a"
                    + " tensor-bundle index");
        }
        Reader footer = new Reader(b, b.length - FOOTER, b.length - 8, f + " footer");
        footer.varint(); // metaindex handle: not used by tensor bundles
        footer.varint();
        long indexOffset = footer.varint();
        long indexSize = footer.varint();
        List<byte[][]> indexEntries = block(b, indexOffset, indexSize, f, "index block");
        Map<String, Entry> entries = new LinkedHashMap<>();
        int numShards = -1;
        String previous = null;
        for (byte[][] ie : indexEntries) {
            Reader h = new Reader(ie[1], 0, ie[1].length, f + " index entry");
            long off = h.varint();
            long size = h.varint();
            for (byte[][] e : block(b, off, size, f, "data block at " + off)) {
                String key = new String(e[0], StandardCharsets.UTF_8);
                if (previous != null && key.compareTo(previous) <= 0) {
                    throw new PcLoraException(f + " has keys out of order ('" + previous + "' then '" + key
                            + "'): the index is damaged");
                }
                previous = key;
                if (key.isEmpty()) {
                    numShards = header(e[1], f);
                } else {
                    entries.put(key, entry(key, e[1], f));
                }
            }
        }
        if (numShards < 1) {
            throw new PcLoraException(f + " has no bundle header (empty key with num_shards): the index is damaged");
        }
        for (Entry e : entries.values()) {
            if (e.shard() >= numShards) {
                throw new PcLoraException(f + ": tensor " + e.name() + " is in shard " + e.shard() + " of "
                        + numShards + ": the index is damaged");
            }
        }
        return new TensorBundle(idx, numShards, Collections.unmodifiableMap(entries));
    }

    /** Decodes one table block (with its 5-byte trailer) into key/value pairs. */
    private static List<byte[][]> block(byte[] file, long offset, long size, String f, String what) {
        if (offset < 0 || size < 4 || offset + size + 5 > file.length) {
            throw new PcLoraException(f + ": " + what + " (offset " + offset + ", size " + size
                    + ") lies outside the file of " + file.length + " bytes: the index is truncated or damaged");
        }
        int start = (int) offset;
        int end = (int) (offset + size);
        int type = file[end] & 0xff;
        int stored = ByteBuffer.wrap(file, end + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        CRC32C crc = new CRC32C();
        crc.update(file, start, (int) size + 1);
        if (mask((int) crc.getValue()) != stored) {
            throw new PcLoraException(f + ": " + what + " fails its CRC32C check: the index is damaged");
        }
        if (type != 0) {
            throw new PcLoraException(f + ": " + what + " is compressed (type " + type + "): only uncompressed"
                    + " tables, as TensorFlow writes bundles, are read");
        }
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int numRestarts = bb.getInt(end - 4);
        long restartsStart = end - 4 - 4L * numRestarts;
        if (numRestarts < 1 || restartsStart < start) {
            throw new PcLoraException(f + ": " + what + " has " + numRestarts + " restart points, which do not fit"
                    + " its " + size + " bytes: the index is damaged");
        }
        java.util.Set<Integer> restarts = new java.util.HashSet<>();
        for (int i = 0; i < numRestarts; i++) {
            restarts.add(bb.getInt((int) restartsStart + 4 * i));
        }
        List<byte[][]> out = new ArrayList<>();
        Reader r = new Reader(file, start, (int) restartsStart, f + " " + what);
        byte[] key = new byte[0];
        while (r.pos < r.end) {
            int at = r.pos - start;
            int shared = (int) r.varint();
            int unshared = (int) r.varint();
            int valueLength = (int) r.varint();
            if (shared > key.length || (restarts.contains(at) && shared != 0)) {
                throw new PcLoraException(f + ": " + what + " entry at " + at + " shares " + shared
                        + " bytes with a key of " + key.length + ": the index is damaged");
            }
            byte[] k = Arrays.copyOf(key, shared + unshared);
            System.arraycopy(r.bytes(unshared), 0, k, shared, unshared);
            out.add(new byte[][] {k, r.bytes(valueLength)});
            key = k;
        }
        return out;
    }

    private static int header(byte[] v, String f) {
        Reader r = new Reader(v, 0, v.length, f + " bundle header");
        int numShards = 0;
        while (r.pos < r.end) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            if (field == 1 && (tag & 7) == 0) {
                numShards = (int) r.varint();
            } else if (field == 2 && (tag & 7) == 0) {
                long endianness = r.varint();
                if (endianness != 0) {
                    throw new PcLoraException(f + " is a big-endian bundle: only little-endian bundles are read");
                }
            } else {
                r.skip(tag);
            }
        }
        return numShards;
    }

    private static Entry entry(String name, byte[] v, String f) {
        Reader r = new Reader(v, 0, v.length, f + " entry " + name);
        int dtype = 0;
        List<Long> shape = new ArrayList<>();
        int shard = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        boolean hasCrc = false;
        while (r.pos < r.end) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 0) {
                dtype = (int) r.varint();
            } else if (field == 2 && wire == 2) {
                Reader s = r.sub();
                while (s.pos < s.end) {
                    long st = s.varint();
                    if ((st >>> 3) == 2 && (st & 7) == 2) {
                        Reader d = s.sub();
                        long dim = 0;
                        while (d.pos < d.end) {
                            long dt = d.varint();
                            if ((dt >>> 3) == 1 && (dt & 7) == 0) {
                                dim = d.varint();
                            } else {
                                d.skip(dt);
                            }
                        }
                        shape.add(dim);
                    } else {
                        s.skip(st);
                    }
                }
            } else if (field == 3 && wire == 0) {
                shard = (int) r.varint();
            } else if (field == 4 && wire == 0) {
                offset = r.varint();
            } else if (field == 5 && wire == 0) {
                size = r.varint();
            } else if (field == 6 && wire == 5) {
                crc = r.fixed32();
                hasCrc = true;
            } else if (field == 7) {
                throw new PcLoraException(f + ": tensor " + name + " is stored in slices: only whole tensors are read");
            } else {
                r.skip(tag);
            }
        }
        long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
        Entry e = new Entry(name, dtype, dims, shard, offset, size, hasCrc ? crc : 0);
        int width = elementSize(dtype);
        if (width > 0 && e.length() * width != size) {
            throw new PcLoraException(f + ": tensor " + name + " has shape " + Arrays.toString(dims) + " of dtype "
                    + dtype + " but " + size + " bytes: the index is damaged");
        }
        return e;
    }

    static int elementSize(int dtype) {
        return switch (dtype) {
            case DT_FLOAT, DT_INT32 -> 4;
            case DT_DOUBLE, DT_INT64 -> 8;
            default -> -1;
        };
    }

    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** The index file. */
    public Path index() {
        return index;
    }

    /** Number of data files the bundle header names. */
    public int numShards() {
        return numShards;
    }

    /** Every tensor's record, by TF name, in key order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The data file of a shard. */
    public Path shardFile(int shard) {
        return index.resolveSibling(String.format("%s.data-%05d-of-%05d", prefix, shard, numShards));
    }

    /**
     * Reads a float32 (or float64, converted) tensor with its TF shape, checking its CRC32C.
     */
    public INDArray readFloat(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new PcLoraException("TF checkpoint " + index + " has no tensor '" + name + "'");
        }
        if (e.dtype() != DT_FLOAT && e.dtype() != DT_DOUBLE) {
            throw new PcLoraException("TF checkpoint " + index + ": tensor " + name + " has dtype " + e.dtype()
                    + ": only float32 (1) and float64 (2) tensors are read as weights");
        }
        ByteBuffer data = bytes(e);
        long n = e.length();
        long[] shape = e.shape().length == 0 ? new long[0] : e.shape();
        if (e.dtype() == DT_FLOAT) {
            float[] v = new float[Math.toIntExact(n)];
            data.asFloatBuffer().get(v);
            return Nd4j.create(v, shape, DataType.FLOAT);
        }
        double[] v = new double[Math.toIntExact(n)];
        data.asDoubleBuffer().get(v);
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(DataType.FLOAT);
    }

    /** The raw little-endian bytes of a tensor, checked against the index's CRC32C. */
    public ByteBuffer bytes(Entry e) {
        Path file = shardFile(e.shard());
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(e.size())).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (e.offset() + e.size() > ch.size()) {
                throw new PcLoraException("TF checkpoint data " + file + " is " + ch.size() + " bytes but tensor "
                        + e.name() + " needs bytes up to " + (e.offset() + e.size()) + ": the file is truncated");
            }
            long pos = e.offset();
            while (buf.hasRemaining()) {
                int read = ch.read(buf, pos);
                if (read < 0) {
                    break;
                }
                pos += read;
            }
        } catch (IOException ex) {
            throw new PcLoraException("TF checkpoint data " + file + " cannot be read (" + ex
                    + "): expected shard " + e.shard() + " of " + numShards + " beside " + index);
        }
        buf.flip();
        if (e.crc32c() != 0) {
            CRC32C crc = new CRC32C();
            crc.update(buf.array(), 0, buf.limit());
            if (mask((int) crc.getValue()) != e.crc32c()) {
                throw new PcLoraException("TF checkpoint data " + file + ": tensor " + e.name()
                        + " fails its CRC32C check: the data file is damaged");
            }
        }
        return buf;
    }

    /** Bounds-checked protobuf / varint reader over a byte range. */
    private static final class Reader {
        final byte[] b;
        int pos;
        final int end;
        final String what;

        Reader(byte[] b, int pos, int end, String what) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.what = what;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw damaged("a varint runs past its end");
                }
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw damaged("a varint is longer than 10 bytes");
        }

        int fixed32() {
            if (pos + 4 > end) {
                throw damaged("a fixed32 runs past its end");
            }
            int v = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            pos += 4;
            return v;
        }

        byte[] bytes(int n) {
            if (n < 0 || pos + n > end) {
                throw damaged("a field of " + n + " bytes runs past its end");
            }
            byte[] out = Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }

        Reader sub() {
            long n = varint();
            if (n < 0 || pos + n > end) {
                throw damaged("a message of " + n + " bytes runs past its end");
            }
            Reader r = new Reader(b, pos, (int) (pos + n), what);
            pos += (int) n;
            return r;
        }

        void skip(long tag) {
            switch ((int) (tag & 7)) {
                case 0 -> varint();
                case 1 -> bytes(8);
                case 2 -> sub();
                case 5 -> bytes(4);
                default -> throw damaged("unknown protobuf wire type " + (tag & 7));
            }
        }

        PcLoraException damaged(String why) {
            return new PcLoraException(what + ": " + why + ": the index is damaged");
        }
    }
}
