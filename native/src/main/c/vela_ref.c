/*
 * Vela's C reference kernels: what a user would otherwise write in C. Built with
 * gcc -O3 -march=native -fno-math-errno -fopenmp (see build.sh), called from Java through FFM
 * in the same benchmark run as the Java kernels they anchor.
 *
 * Arrays are float32; counts are 64-bit. Loops are plain OpenMP "parallel for simd" with a
 * static schedule, so gcc vectorises them (build.sh keeps the -fopt-info-vec report).
 */
#include <omp.h>
#include <stdint.h>

void vela_set_threads(int32_t threads) { omp_set_num_threads(threads); }

int32_t vela_max_threads(void) { return omp_get_max_threads(); }

/* STREAM copy: c[i] = a[i]. */
void vela_stream_copy(int64_t n, const float *restrict a, float *restrict c) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) c[i] = a[i];
}

/* STREAM triad: a[i] = b[i] + q * c[i]. */
void vela_stream_triad(int64_t n, float q, const float *restrict b, const float *restrict c,
                       float *restrict a) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) a[i] = b[i] + q * c[i];
}

/* y[i] = a * x[i] + y[i]. */
void vela_axpy(int64_t n, float a, const float *restrict x, float *restrict y) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

/* sum x[i] * y[i], accumulated in float as BLAS sdot does (OpenMP chooses the order). */
float vela_dot(int64_t n, const float *restrict x, const float *restrict y) {
    float s = 0.0f;
#pragma omp parallel for simd schedule(static) reduction(+ : s)
    for (int64_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}
