package dev.vela.parallel;

/** The body of a parallel loop: processes the half-open element range [start, end). */
@FunctionalInterface
public interface RangeBody {
    void run(long start, long end);
}
