package org.pclora.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw little-endian data), the one
 * checkpoint format of this project.
 *
 * <p>Reading validates the whole header against the file before any tensor is allocated: the
 * header length is capped and must fit the file, every entry needs a supported dtype, a
 * non-negative shape and a byte range inside the data section whose size matches the shape, and
 * the ranges must cover the data section exactly (no overlaps, no holes, as the format demands).
 * Nothing in a file is executed or deserialised as objects.
 */
public final class Safetensors {
    /** The largest header accepted, as the reference implementation does (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The header key of the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";
    /** ND4J buffers are addressed with int byte offsets here: the largest tensor read or written. */
    private static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            // Tensor bytes are copied between the file and ND4J's native buffers without swapping.
            throw new ExceptionInInitializerError("safetensors I/O needs a little-endian platform");
        }
    }

    private Safetensors() {
    }

    /** Element types this reader accepts, with their size in bytes. */
    private enum Dtype {
        F32(4), F16(2), BF16(2), F64(8), I32(4), I64(8);

        final int size;

        Dtype(int size) {
            this.size = size;
        }
    }

    /** One validated header entry; offsets relative to the data section. */
    private record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
    }

    /** A validated header. */
    private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {
    }

    /**
     * Reads every tensor and the metadata of {@code file}. Floating-point tensors come back as
     * float32, I32/I64 as INT32/INT64, in file order.
     *
     * @throws SafetensorsException if the file cannot be read or is malformed
     */
    public static SafetensorsFile read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(file, ch);
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Entry e : header.entries()) {
                tensors.put(e.name(), readTensor(file, ch, header.dataStart(), e));
            }
            return new SafetensorsFile(Collections.unmodifiableMap(tensors), header.metadata());
        } catch (IOException e) {
            throw ioError(file, "cannot read", e);
        }
    }

    /** Reads and validates only the header of {@code file} and returns its metadata. */
    public static Map<String, String> readMetadata(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch).metadata();
        } catch (IOException e) {
            throw ioError(file, "cannot read", e);
        }
    }

    private static SafetensorsException ioError(Path file, String verb, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new SafetensorsException(file, null, "no such file", e);
        }
        if (e instanceof AccessDeniedException) {
            return new SafetensorsException(file, null, "permission denied", e);
        }
        return new SafetensorsException(file, null, verb + " the file: " + e, e);
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new SafetensorsException(file, null, "the file is " + fileSize
                    + " bytes long, shorter than the 8-byte header length that starts every safetensors file");
        }
        ByteBuffer lengthField = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lengthField, 0);
        long headerLength = lengthField.getLong(0); // unsigned u64: negative means >= 2^63
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, null, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (headerLength > fileSize - 8) {
            throw new SafetensorsException(file, null, "header length " + headerLength + " is larger than the "
                    + (fileSize - 8) + " bytes that follow the length field (file truncated?)");
        }
        if (headerLength < 2) {
            throw new SafetensorsException(file, null, "header length " + headerLength
                    + " is too short for a JSON object");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(file, ch, headerBytes, 8);
        JsonNode root;
        try {
            root = JSON.readTree(headerBytes.array());
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, null, "the header is not valid JSON: " + e.getOriginalMessage()
                    + "; expected a JSON object of tensor entries", e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file, null, "the header is " + (root == null ? "empty" : "a JSON "
                    + root.getNodeType().toString().toLowerCase()) + "; expected a JSON object of tensor entries");
        }
        long dataStart = 8 + headerLength;
        long dataLength = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadataNode(file, field.getValue(), metadata);
            } else {
                entries.add(readEntry(file, field.getKey(), field.getValue(), dataLength));
            }
        }
        // File order; zero-length tensors before a tensor starting at the same offset.
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkCoverage(file, entries, dataLength);
        return new Header(List.copyOf(entries), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static void readMetadataNode(Path file, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new SafetensorsException(file, null, METADATA_KEY + " is a JSON " + node.getNodeType().toString()
                    .toLowerCase() + "; expected an object of string values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> kv = it.next();
            if (!kv.getValue().isTextual()) {
                throw new SafetensorsException(file, null, METADATA_KEY + " key '" + kv.getKey() + "' has a "
                        + kv.getValue().getNodeType().toString().toLowerCase() + " value; expected a string");
            }
            metadata.put(kv.getKey(), kv.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw new SafetensorsException(file, name, "the header entry is not a JSON object; expected"
                    + " {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [begin, end]}");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(file, name, "missing or non-string dtype; accepted are "
                    + java.util.Arrays.toString(Dtype.values()));
        }
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, name, "unsupported dtype '" + dtypeNode.textValue()
                    + "'; accepted are " + java.util.Arrays.toString(Dtype.values()));
        }
        long[] shape = nonNegativeLongs(file, name, node.get("shape"), "shape", -1);
        long[] offsets = nonNegativeLongs(file, name, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end
                    + "] end before they begin; expected begin <= end");
        }
        if (end > dataLength) {
            throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end
                    + "] reach past the data section of " + dataLength + " bytes");
        }
        long bytes;
        try {
            long elements = 1;
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            bytes = Math.multiplyExact(elements, (long) dtype.size);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, name, "shape " + java.util.Arrays.toString(shape)
                    + " has more elements than a 64-bit count holds");
        }
        if (bytes != end - begin) {
            throw new SafetensorsException(file, name, "shape " + java.util.Arrays.toString(shape) + " of " + dtype
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        if (bytes / dtype.size * 4 > MAX_TENSOR_BYTES || bytes > MAX_TENSOR_BYTES) {
            throw new SafetensorsException(file, name, "tensor of " + bytes + " bytes is larger than this reader's"
                    + " limit of " + MAX_TENSOR_BYTES + " bytes per tensor");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers (of {@code arity} entries unless -1). */
    private static long[] nonNegativeLongs(Path file, String name, JsonNode node, String key, int arity) {
        String expected = arity < 0 ? "an array of non-negative integers" : "an array of " + arity
                + " non-negative integers";
        if (node == null || !node.isArray() || (arity >= 0 && node.size() != arity)) {
            throw new SafetensorsException(file, name, key + " is " + (node == null ? "missing" : node.toString())
                    + "; expected " + expected);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafetensorsException(file, name, key + " " + node + " has entry " + v + "; expected "
                        + expected);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** The byte ranges, sorted, must tile [0, dataLength) exactly. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataLength) {
        long covered = 0;
        Entry reaching = null; // the entry whose end is 'covered'
        for (Entry e : entries) {
            if (e.begin() < covered) {
                throw new SafetensorsException(file, e.name(), "bytes [" + e.begin() + ", " + e.end()
                        + ") overlap tensor '" + reaching.name() + "' at [" + reaching.begin() + ", "
                        + reaching.end() + "); tensors must not share bytes");
            }
            if (e.begin() > covered) {
                throw new SafetensorsException(file, e.name(), "data section bytes [" + covered + ", " + e.begin()
                        + ") before this tensor belong to no tensor; the format allows no holes");
            }
            if (e.end() > covered || reaching == null) {
                covered = e.end();
                reaching = e;
            }
        }
        if (covered != dataLength) {
            throw new SafetensorsException(file, null, "data section bytes [" + covered + ", " + dataLength
                    + ") belong to no tensor; the format allows no trailing bytes");
        }
    }

    private static INDArray readTensor(Path file, FileChannel ch, long dataStart, Entry e) throws IOException {
        DataType target = switch (e.dtype()) {
            case I32 -> DataType.INT32;
            case I64 -> DataType.INT64;
            default -> DataType.FLOAT;
        };
        long elements = (e.end() - e.begin()) / e.dtype().size;
        if (elements == 0) {
            return Nd4j.create(target, e.shape());
        }
        INDArray out = Nd4j.createUninitialized(target, e.shape());
        ByteBuffer dst = out.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
        long position = dataStart + e.begin();
        int bytes = (int) (e.end() - e.begin());
        if (e.dtype() == Dtype.F32 || e.dtype() == Dtype.I32 || e.dtype() == Dtype.I64) {
            // Same layout in file and memory: read straight into the native buffer.
            dst.limit(bytes);
            readFully(file, ch, dst, position);
            return out;
        }
        ByteBuffer src = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, src, position);
        src.flip();
        FloatBuffer f = dst.asFloatBuffer();
        int n = (int) elements;
        switch (e.dtype()) {
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    f.put(i, halfToFloat(src.getShort(2 * i)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    f.put(i, bfloat16ToFloat(src.getShort(2 * i)));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    f.put(i, (float) src.getDouble(8 * i));
                }
            }
            default -> throw new IllegalStateException("unhandled dtype " + e.dtype());
        }
        return out;
    }

    /** IEEE 754 binary16 to float32 (exact: every half value is a float value). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        float magnitude;
        if (exponent == 0) {
            magnitude = mantissa * 0x1p-24f; // zero or subnormal: mantissa * 2^-24
        } else if (exponent == 0x1f) {
            magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            // Rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
            magnitude = Float.intBitsToFloat(((exponent + 112) << 23) | (mantissa << 13));
        }
        return (h & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** bfloat16 is the upper half of a float32. */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, position);
            if (n < 0) {
                throw new SafetensorsException(file, null, "the file ended at byte " + position
                        + " while reading (was it truncated during the read?)");
            }
            position += n;
        }
    }

    /**
     * Writes {@code tensors} (floating-point ones as F32, INT32 as I32, INT64 as I64) in map order
     * with the given metadata. The file appears atomically: the data go to a temporary file in the
     * same directory, which is flushed to disk and then renamed over {@code file}.
     *
     * @throws SafetensorsException if the file cannot be written
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) {
        List<String> names = new ArrayList<>(tensors.size());
        List<INDArray> arrays = new ArrayList<>(tensors.size());
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("metadata for " + file + " has a null key or value: " + k);
                }
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> t : tensors.entrySet()) {
            String name = t.getKey();
            if (name == null || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name " + name + " cannot be written to " + file);
            }
            INDArray a = contiguous(file, name, t.getValue());
            Dtype dtype = a.dataType() == DataType.FLOAT ? Dtype.F32 : a.dataType() == DataType.INT32 ? Dtype.I32 : Dtype.I64;
            long bytes = a.length() * dtype.size;
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : a.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            names.add(name);
            arrays.add(a);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the header of " + file, e);
        }
        // Pad the header with spaces so that the data section starts 8-byte aligned, as HF does.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        try {
            AtomicFiles.writeChannel(file.toAbsolutePath(), ch -> {
                writeFully(ch, head);
                for (INDArray a : arrays) {
                    if (!a.isEmpty()) {
                        ByteBuffer src = a.data().asNio().order(ByteOrder.LITTLE_ENDIAN);
                        src.limit((int) (a.length() * a.dataType().width()));
                        writeFully(ch, src);
                    }
                }
            });
        } catch (IOException e) {
            throw ioError(file, "cannot write", e);
        }
    }

    /** A c-order, offset-free copy of {@code a} in the dtype it is written as (or {@code a} itself). */
    private static INDArray contiguous(Path file, String name, INDArray a) {
        DataType type = a.dataType();
        DataType target;
        if (type.isFPType()) {
            target = DataType.FLOAT;
        } else if (type == DataType.INT32 || type == DataType.INT64) {
            target = type;
        } else {
            throw new IllegalArgumentException("tensor " + name + " for " + file + " has dtype " + type
                    + "; writable are floating-point types (as F32), INT32 and INT64");
        }
        if (a.length() * target.width() > MAX_TENSOR_BYTES) {
            throw new IllegalArgumentException("tensor " + name + " for " + file + " is too large: "
                    + a.length() + " elements");
        }
        INDArray c = type == target ? a : a.castTo(target);
        if (c.isEmpty()) {
            return c;
        }
        if (c.isView() || c.ordering() != 'c' || c.offset() != 0 || c.data().length() != c.length()) {
            c = c.dup('c');
        }
        return c;
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }
}
