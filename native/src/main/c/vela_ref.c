/*
 * Vela's C reference kernels: what a user would otherwise write in C. Built with
 * gcc -O3 -march=native -fno-math-errno -fopenmp (see build.sh), called from Java through FFM
 * in the same benchmark run as the Java kernels they anchor.
 *
 * Arrays are float32; counts are 64-bit. Loops are plain OpenMP "parallel for simd" with a
 * static schedule, so gcc vectorises them (build.sh keeps the -fopt-info-vec report).
 */
#include <omp.h>
#include <math.h>
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

/*
 * AdamW step with PyTorch's semantics; the caller passes the per-step scalars:
 * decay = 1 - lr*wd, c1 = 1 - b1, c2 = 1 - b2, step_size = lr / (1 - b1^t),
 * inv_sqrt_bc2 = 1 / sqrt(1 - b2^t). sqrtf vectorises only with -fno-math-errno.
 */
void vela_adamw(int64_t n, float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                float decay, float b1, float c1, float b2, float c2, float step_size, float inv_sqrt_bc2,
                float eps) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

/* Lion step: c = b1*m + c1*g; p = p*decay - lr*sign(c); m = b2*m + c2*g. sign(NaN) is 0 here. */
void vela_lion(int64_t n, float *restrict p, const float *restrict g, float *restrict m, float decay, float lr,
               float b1, float c1, float b2, float c2) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = m[i];
        float c = b1 * mi + c1 * gi;
        float s = (float) ((c > 0.0f) - (c < 0.0f));
        p[i] = p[i] * decay - lr * s;
        m[i] = b2 * mi + c2 * gi;
    }
}
