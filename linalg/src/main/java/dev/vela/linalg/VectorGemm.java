package dev.vela.linalg;

import dev.vela.parallel.VelaPool;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API SGEMM, blocked as in BLIS: for each block of {@link #NC} columns of C and each
 * block of {@link #KC} steps of k, B's block is packed into panels of {@link #NR} columns
 * (k-major); then, in parallel over blocks of {@link #MC} rows of C, each task packs A's block
 * into panels of {@link #MR} rows and runs the micro-kernel on every MR x NR tile: 12 vector
 * accumulators (6 rows, 2 vectors), one broadcast of A and two loads of B per k, all from
 * arrays (segment accesses in the inner loop cost about 2x, see BENCHMARKING.md).
 *
 * <p>Determinism: every element of C is summed over k in ascending order within a k-block (one
 * fused multiply-add per step), and the k-blocks are added to C in ascending order; the thread
 * split only decides which task computes a tile.
 */
final class VectorGemm implements GemmKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 6;
    static final int NR = 2 * L;
    static final int KC = 512;
    static final int MC = 24 * MR;
    static final int NC = 128 * NR;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Each thread's packed block of A. */
    private static final ThreadLocal<float[]> A_PACK = ThreadLocal.withInitial(() -> new float[MC * KC]);

    /** Created by name through {@link GemmKernel#of}. */
    public VectorGemm() {
    }

    @Override
    public void multiply(float alpha, MatrixView a, MatrixView b, float beta, MatrixView c, VelaPool pool,
                         boolean share) {
        int m = c.rows(), n = c.cols(), k = a.cols();
        if (k == 0) {
            scaleOnly(beta, c);
            return;
        }
        int mBlocks = (m + MC - 1) / MC;
        float[] bPack = new float[KC * Math.min(roundUp(n, NR), NC)];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                int jc0 = jc, pc0 = pc, panels = (nc + NR - 1) / NR;
                dev.vela.parallel.RangeBody pack = (p0, p1) -> packB(b, pc0, kc, jc0, nc, bPack, (int) p0, (int) p1);
                if (share && panels > 1) {
                    pool.parallelFor(panels, 1, pack);
                } else {
                    pack.run(0, panels);
                }
                dev.vela.parallel.RangeBody body = (i0, i1) -> {
                    float[] aPack = A_PACK.get();
                    for (long blk = i0; blk < i1; blk++) {
                        int ic = (int) blk * MC, mc = Math.min(MC, m - ic);
                        packA(a, ic, mc, pc0, kc, aPack);
                        block(alpha, beta, first, aPack, mc, bPack, nc, kc, c, ic, jc0);
                    }
                };
                if (share && mBlocks > 1) {
                    pool.parallelFor(mBlocks, 1, body);
                } else {
                    body.run(0, mBlocks);
                }
            }
        }
    }

    private static int roundUp(int x, int to) {
        return (x + to - 1) / to * to;
    }

    /** C = beta * C (K = 0), zeros when beta is 0. */
    private static void scaleOnly(float beta, MatrixView c) {
        MemorySegment cd = c.data();
        for (int i = 0; i < c.rows(); i++) {
            for (int j = 0; j < c.cols(); j++) {
                long o = GemmKernel.at(c, i, j);
                cd.setAtIndex(F, o, beta == 0f ? 0f : beta * cd.getAtIndex(F, o));
            }
        }
    }

    /**
     * B[pc .. pc+kc, jc .. jc+nc] into panels of NR columns, k-major, zero-padded to whole panels:
     * panels jp0 .. jp1 (in units of NR), so that threads can pack disjoint panels.
     */
    private static void packB(MatrixView b, int pc, int kc, int jc, int nc, float[] pack, int jp0, int jp1) {
        MemorySegment bd = b.data();
        boolean rowMajor = b.layout() == MatrixView.Layout.ROW_MAJOR;
        for (int jp = jp0 * NR; jp < Math.min(nc, jp1 * NR); jp += NR) {
            int w = Math.min(NR, nc - jp);
            int base = jp * kc;
            if (rowMajor && w == NR) {
                for (int p = 0; p < kc; p++) {
                    long from = (b.offset() + (long) (pc + p) * b.ld() + jc + jp) * Float.BYTES;
                    FloatVector.fromMemorySegment(S, bd, from, LE).intoArray(pack, base + p * NR);
                    FloatVector.fromMemorySegment(S, bd, from + (long) L * Float.BYTES, LE).intoArray(pack, base + p * NR + L);
                }
            } else if (rowMajor) {
                for (int p = 0; p < kc; p++) {
                    MemorySegment row = bd.asSlice((b.offset() + (long) (pc + p) * b.ld() + jc + jp) * Float.BYTES,
                            (long) w * Float.BYTES);
                    int o = base + p * NR;
                    for (int jj = 0; jj < w; jj++) {
                        pack[o + jj] = row.getAtIndex(F, jj);
                    }
                    java.util.Arrays.fill(pack, o + w, o + NR, 0f);
                }
            } else {
                // column-major: column j is contiguous in k
                for (int jj = 0; jj < NR; jj++) {
                    if (jj < w) {
                        MemorySegment col = bd.asSlice((b.offset() + (long) (jc + jp + jj) * b.ld() + pc) * Float.BYTES,
                                (long) kc * Float.BYTES);
                        for (int p = 0; p < kc; p++) {
                            pack[base + p * NR + jj] = col.getAtIndex(F, p);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            pack[base + p * NR + jj] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** A[ic .. ic+mc, pc .. pc+kc] into panels of MR rows, k-major, zero-padded to whole panels. */
    private static void packA(MatrixView a, int ic, int mc, int pc, int kc, float[] pack) {
        MemorySegment ad = a.data();
        boolean rowMajor = a.layout() == MatrixView.Layout.ROW_MAJOR;
        for (int ip = 0; ip < mc; ip += MR) {
            int h = Math.min(MR, mc - ip);
            int base = ip * kc;
            if (rowMajor) {
                // row i is contiguous in k: int-indexed slices, whose bounds checks C2 hoists
                for (int ii = 0; ii < MR; ii++) {
                    if (ii < h) {
                        MemorySegment row = ad.asSlice((a.offset() + (long) (ic + ip + ii) * a.ld() + pc) * Float.BYTES,
                                (long) kc * Float.BYTES);
                        for (int p = 0; p < kc; p++) {
                            pack[base + p * MR + ii] = row.getAtIndex(F, p);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            pack[base + p * MR + ii] = 0f;
                        }
                    }
                }
            } else {
                // column-major: column k holds the panel's rows next to each other
                for (int p = 0; p < kc; p++) {
                    MemorySegment col = ad.asSlice((a.offset() + (long) (pc + p) * a.ld() + ic + ip) * Float.BYTES,
                            (long) h * Float.BYTES);
                    int o = base + p * MR;
                    for (int ii = 0; ii < h; ii++) {
                        pack[o + ii] = col.getAtIndex(F, ii);
                    }
                    for (int ii = h; ii < MR; ii++) {
                        pack[o + ii] = 0f;
                    }
                }
            }
        }
    }

    /** Every MR x NR tile of an mc x nc block of C. */
    private static void block(float alpha, float beta, boolean first, float[] aPack, int mc, float[] bPack, int nc,
                              int kc, MatrixView c, int ic, int jc) {
        float[] sums = new float[MR * NR];
        for (int jr = 0; jr < nc; jr += NR) {
            for (int ir = 0; ir < mc; ir += MR) {
                tile(alpha, beta, first, aPack, ir * kc, bPack, jr * kc, kc, c, ic + ir, jc + jr,
                        Math.min(MR, mc - ir), Math.min(NR, nc - jr), sums);
            }
        }
    }

    /**
     * One MR x NR tile: the micro-kernel's sums over the k-block, then C's rows updated: the
     * first k-block writes {@code beta * c + alpha * sum} (C unread when beta is 0), later
     * ones {@code c + alpha * sum}.
     */
    private static void tile(float alpha, float beta, boolean first, float[] ap, int ao, float[] bp, int bo, int kc,
                             MatrixView c, int i0, int j0, int rows, int cols, float[] sums) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        // 12 FMAs, 2 loads and 6 broadcasts per step; C2 keeps no array bounds check in this
        // loop (checked in the disassembly)
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * MR, bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        // the sums go through an array: passing vectors to a helper C2 did not inline boxed
        // them (13 GFLOP/s where the kernel alone runs at 10x that)
        c00.intoArray(sums, 0);
        c01.intoArray(sums, L);
        c10.intoArray(sums, 2 * L);
        c11.intoArray(sums, 3 * L);
        c20.intoArray(sums, 4 * L);
        c21.intoArray(sums, 5 * L);
        c30.intoArray(sums, 6 * L);
        c31.intoArray(sums, 7 * L);
        c40.intoArray(sums, 8 * L);
        c41.intoArray(sums, 9 * L);
        c50.intoArray(sums, 10 * L);
        c51.intoArray(sums, 11 * L);
        writeTile(alpha, beta, first, sums, c, i0, j0, rows, cols);
    }

    /** Adds a tile's sums (row r at sums[r * NR]) into the rows of C it covers. */
    private static void writeTile(float alpha, float beta, boolean first, float[] sums, MatrixView c, int i0, int j0,
                                  int rows, int cols) {
        MemorySegment cd = c.data();
        long step = c.ld() * Float.BYTES;
        long at = (c.offset() + (long) i0 * c.ld() + j0) * Float.BYTES;
        boolean read = !first || beta != 0f;
        FloatVector av = FloatVector.broadcast(S, alpha), bv = FloatVector.broadcast(S, beta);
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(L, cols);
        for (int r = 0; r < rows; r++, at += step) {
            for (int h = 0; h < 2; h++) {
                long o = at + (long) h * L * Float.BYTES;
                FloatVector sum = FloatVector.fromArray(S, sums, r * NR + h * L);
                if (cols == NR) {
                    FloatVector old = read ? FloatVector.fromMemorySegment(S, cd, o, LE) : sum;
                    FloatVector v = !first ? sum.fma(av, old) : beta == 0f ? sum.mul(av) : old.mul(bv).add(sum.mul(av));
                    v.intoMemorySegment(cd, o, LE);
                } else {
                    VectorMask<Float> m = h == 0 ? m0 : m1;
                    if (m.anyTrue()) {
                        FloatVector old = read ? FloatVector.fromMemorySegment(S, cd, o, LE, m) : sum;
                        FloatVector v = !first ? sum.fma(av, old) : beta == 0f ? sum.mul(av) : old.mul(bv).add(sum.mul(av));
                        v.intoMemorySegment(cd, o, LE, m);
                    }
                }
            }
        }
    }
}
