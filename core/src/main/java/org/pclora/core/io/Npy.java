package org.pclora.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pclora.core.PcLoraException;

/**
 * NumPy {@code .npy} files (format 1.0/2.0/3.0, little-endian float32, float64, int32, int64,
 * C order), read in Java with the header checked against the file before any allocation, and
 * written atomically.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Reads an array; errors name the file and what would be accepted. */
    public static INDArray read(Path file) {
        byte[] all;
        try {
            if (!Files.isRegularFile(file)) {
                throw new PcLoraException("npy file " + file + " does not exist");
            }
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PcLoraException("npy file " + file + " is unreadable: " + e.getMessage());
        }
        if (all.length < 10 || !Arrays.equals(Arrays.copyOf(all, 6), MAGIC)) {
            throw bad(file, "it does not start with the NumPy magic \\x93NUMPY");
        }
        int major = all[6];
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (all.length < 12) {
                throw bad(file, "the header is truncated");
            }
            headerLen = bb.getInt(8) & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw bad(file, "format version " + major + " is not supported (1, 2 or 3 are)");
        }
        if (headerStart + headerLen > all.length) {
            throw bad(file, "the header length " + headerLen + " runs past the end of the file");
        }
        String header = new String(all, headerStart, (int) headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw bad(file, "the header lacks descr, fortran_order or shape");
        }
        if (f.group(1).equals("True")) {
            throw bad(file, "it is in Fortran order; save it with numpy.ascontiguousarray (C order)");
        }
        DataType type;
        int width;
        switch (d.group(1)) {
            case "<f4" -> { type = DataType.FLOAT; width = 4; }
            case "<f8" -> { type = DataType.DOUBLE; width = 8; }
            case "<i4" -> { type = DataType.INT; width = 4; }
            case "<i8" -> { type = DataType.LONG; width = 8; }
            default -> throw bad(file, "dtype '" + d.group(1) + "' is not supported (float32, float64, int32, int64,"
                    + " little-endian)");
        }
        String[] dims = s.group(1).trim().isEmpty() ? new String[0] : s.group(1).split(",");
        long[] shape = Arrays.stream(dims).map(String::trim).filter(x -> !x.isEmpty()).mapToLong(x -> {
            try {
                long v = Long.parseLong(x);
                if (v < 0) {
                    throw bad(file, "shape has a negative dimension " + v);
                }
                return v;
            } catch (NumberFormatException e) {
                throw bad(file, "shape entry '" + x + "' is not an integer");
            }
        }).toArray();
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        long dataStart = headerStart + headerLen;
        if (count * width != all.length - dataStart) {
            throw bad(file, "shape " + Arrays.toString(shape) + " of " + d.group(1) + " needs " + count * width
                    + " data bytes but the file has " + (all.length - dataStart));
        }
        ByteBuffer data = ByteBuffer.wrap(all, (int) dataStart, (int) (count * width)).slice().order(ByteOrder.LITTLE_ENDIAN);
        INDArray out = switch (type) {
            case FLOAT -> { float[] v = new float[(int) count]; data.asFloatBuffer().get(v); yield Nd4j.create(v, shape, 'c'); }
            case DOUBLE -> { double[] v = new double[(int) count]; data.asDoubleBuffer().get(v); yield Nd4j.create(v, shape, 'c'); }
            case INT -> { int[] v = new int[(int) count]; data.asIntBuffer().get(v); yield Nd4j.createFromArray(v).reshape(shape); }
            default -> { long[] v = new long[(int) count]; data.asLongBuffer().get(v); yield Nd4j.createFromArray(v).reshape(shape); }
        };
        return out;
    }

    /** Writes a float32/float64/int32/int64 array in C order, atomically. */
    public static void write(Path file, INDArray array) {
        INDArray a = array.dup('c');
        String descr;
        int width;
        switch (a.dataType()) {
            case FLOAT -> { descr = "<f4"; width = 4; }
            case DOUBLE -> { descr = "<f8"; width = 8; }
            case INT -> { descr = "<i4"; width = 4; }
            case LONG -> { descr = "<i8"; width = 8; }
            default -> { a = a.castTo(DataType.FLOAT); descr = "<f4"; width = 4; }
        }
        long[] shape = a.shape();
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + String.join(", ", Arrays.stream(shape).mapToObj(Long::toString).toList()) + ")";
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + (int) a.length() * width).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        switch (descr) {
            case "<f4" -> { for (float v : a.data().asFloat()) { out.putFloat(v); } }
            case "<f8" -> { for (double v : a.data().asDouble()) { out.putDouble(v); } }
            case "<i4" -> { for (int v : a.data().asInt()) { out.putInt(v); } }
            default -> { for (long v : a.data().asLong()) { out.putLong(v); } }
        }
        AtomicFiles.write(file, o -> o.write(out.array()));
    }

    private static PcLoraException bad(Path file, String why) {
        return new PcLoraException("npy file " + file + " is malformed: " + why);
    }
}
