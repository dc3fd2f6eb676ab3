package dev.vela.parallel;

/** Computes the partial result of one reduction block [start, start + length). */
@FunctionalInterface
public interface BlockFunction {
    double apply(long start, long length);
}
