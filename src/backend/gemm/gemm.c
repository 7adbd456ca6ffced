// C = op(A)·op(B) (+ bias, relu) with wasm SIMD, and im2col / col2im around it, for the course's wasm kernels.
//
// Why not XNNPack (what TF.js's wasm MatMul calls): it packs the whole right operand into its own layout before every
// product, ~3.5 ns a float here, because it is built for inference with fixed weights. In training the weights
// change at every step, so a 784x100 layer paid half as much again as its multiply-adds. Here each 8-column panel of
// op(B) is copied into a small scratch buffer that stays in the L1 cache while every row block of op(A) passes over it.
//
// Built twice (scripts/wasm/build.sh): with -DRELAXED each multiply-add is relaxed SIMD's f32x4.relaxed_madd, which
// V8 runs as one fused multiply-add where the processor has FMA (about 30 % faster here); without, a multiply then an add.
//
// Layouts (row-major, addresses in the wasm backend's heap): op(A) is [m, k]: A is [m, k], or [k, m] when transA.
// op(B) is [k, n]: B is [k, n], or [n, k] when transB. C is [m, n]. bias is [n] or 0 (none). panel holds
// (k + 1) * 8 floats of scratch. Sums run over k in order, one float32 accumulator per output.
// No static data and no stack: the module runs inside the memory of the wasm backend it imports.
//
// im2col and col2im move a convolution's windows between an NHWC image and rows of a matrix, so that its gradients
// are products here: row (b, oh, ow) holds the kh·kw·C values under the window of output pixel (b, oh, ow), in
// (i, j, c) order, zeros where the window hangs over the padding (the filter's [kh, kw, C, O] layout read as
// [kh·kw·C, O]).
#include <wasm_simd128.h>

#define NR 8
#define MR 4

#ifdef RELAXED
#define MADD(a, b, c) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(c)))
#else
#define MADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

typedef float f32;

// Columns [j, j + NR) of op(B) into panel[k][NR], zeros past n.
static void pack_panel(const f32 *B, int transB, int k, int n, int j, f32 *panel) {
  int w = n - j < NR ? n - j : NR;
  if (!transB && w == NR) {
    for (int p = 0; p < k; p++) {
      const f32 *row = B + (long)p * n + j;
      wasm_v128_store(panel + p * NR, wasm_v128_load(row));
      wasm_v128_store(panel + p * NR + 4, wasm_v128_load(row + 4));
    }
    return;
  }
  for (int jj = 0; jj < NR; jj++) {
    if (jj >= w) {
      for (int p = 0; p < k; p++) panel[p * NR + jj] = 0.f;
    } else if (transB) {
      const f32 *column = B + (long)(j + jj) * k;
      for (int p = 0; p < k; p++) panel[p * NR + jj] = column[p];
    } else {
      for (int p = 0; p < k; p++) panel[p * NR + jj] = B[(long)p * n + j + jj];
    }
  }
}

// acc + bias, relu when asked, into row `row` of C at columns [j, j + w).
static inline void store(f32 *row, int w, v128_t lo, v128_t hi, v128_t bias_lo, v128_t bias_hi, int relu, f32 *spill) {
  lo = wasm_f32x4_add(lo, bias_lo);
  hi = wasm_f32x4_add(hi, bias_hi);
  if (relu) {
    lo = wasm_f32x4_max(lo, wasm_f32x4_splat(0.f));
    hi = wasm_f32x4_max(hi, wasm_f32x4_splat(0.f));
  }
  if (w == NR) {
    wasm_v128_store(row, lo);
    wasm_v128_store(row + 4, hi);
    return;
  }
  wasm_v128_store(spill, lo);
  wasm_v128_store(spill + 4, hi);
  for (int jj = 0; jj < w; jj++) row[jj] = spill[jj];
}

// Four rows of C at once: acc[r] += op(A)[i + r, p] · panel[p] for each p, two 4-float halves per row.
#define MAC4(A0, A1, A2, A3, P)                                                                             \
  {                                                                                                         \
    v128_t bl = wasm_v128_load(panel + (P) * NR), bh = wasm_v128_load(panel + (P) * NR + 4);                \
    v128_t a0 = (A0), a1 = (A1), a2 = (A2), a3 = (A3);                                                      \
    c0l = MADD(a0, bl, c0l);                                                                                \
    c0h = MADD(a0, bh, c0h);                                                                                \
    c1l = MADD(a1, bl, c1l);                                                                                \
    c1h = MADD(a1, bh, c1h);                                                                                \
    c2l = MADD(a2, bl, c2l);                                                                                \
    c2h = MADD(a2, bh, c2h);                                                                                \
    c3l = MADD(a3, bl, c3l);                                                                                \
    c3h = MADD(a3, bh, c3h);                                                                                \
  }
#define LANE(V, L) wasm_i32x4_shuffle(V, V, L, L, L, L)

// Rows i..i+3 of C from op(A) = A [m, k] as stored: four k steps per round, each row's four values by one load
// (measured 10 % faster here than one splat load per value).
static inline __attribute__((always_inline)) void rows4(const f32 *A, int k, int i, const f32 *panel, f32 *C, int n,
    int j, int w, v128_t bias_lo, v128_t bias_hi, int relu, f32 *spill) {
  v128_t c0l = wasm_f32x4_splat(0.f), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l, c3l = c0l, c3h = c0l;
  const f32 *r0 = A + (long)i * k, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k;
  int p = 0;
  for (; p + 4 <= k; p += 4) {
    v128_t v0 = wasm_v128_load(r0 + p), v1 = wasm_v128_load(r1 + p), v2 = wasm_v128_load(r2 + p), v3 = wasm_v128_load(r3 + p);
    MAC4(LANE(v0, 0), LANE(v1, 0), LANE(v2, 0), LANE(v3, 0), p)
    MAC4(LANE(v0, 1), LANE(v1, 1), LANE(v2, 1), LANE(v3, 1), p + 1)
    MAC4(LANE(v0, 2), LANE(v1, 2), LANE(v2, 2), LANE(v3, 2), p + 2)
    MAC4(LANE(v0, 3), LANE(v1, 3), LANE(v2, 3), LANE(v3, 3), p + 3)
  }
  for (; p < k; p++) MAC4(wasm_f32x4_splat(r0[p]), wasm_f32x4_splat(r1[p]), wasm_f32x4_splat(r2[p]), wasm_f32x4_splat(r3[p]), p)
  f32 *c = C + (long)i * n + j;
  store(c, w, c0l, c0h, bias_lo, bias_hi, relu, spill);
  store(c + n, w, c1l, c1h, bias_lo, bias_hi, relu, spill);
  store(c + 2 * n, w, c2l, c2h, bias_lo, bias_hi, relu, spill);
  store(c + 3 * n, w, c3l, c3h, bias_lo, bias_hi, relu, spill);
}

// The same from op(A) = Aᵀ with A [k, m] stored: the four rows' values at each p are adjacent (splat loads measured
// as fast as one load and lane shuffles here).
static inline __attribute__((always_inline)) void rows4t(const f32 *A, int m, int i, int k, const f32 *panel, f32 *C,
    int n, int j, int w, v128_t bias_lo, v128_t bias_hi, int relu, f32 *spill) {
  v128_t c0l = wasm_f32x4_splat(0.f), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l, c3l = c0l, c3h = c0l;
  int p = 0;
  for (; p + 4 <= k; p += 4) {
    const f32 *a = A + (long)p * m + i;
    MAC4(wasm_f32x4_splat(a[0]), wasm_f32x4_splat(a[1]), wasm_f32x4_splat(a[2]), wasm_f32x4_splat(a[3]), p)
    a += m;
    MAC4(wasm_f32x4_splat(a[0]), wasm_f32x4_splat(a[1]), wasm_f32x4_splat(a[2]), wasm_f32x4_splat(a[3]), p + 1)
    a += m;
    MAC4(wasm_f32x4_splat(a[0]), wasm_f32x4_splat(a[1]), wasm_f32x4_splat(a[2]), wasm_f32x4_splat(a[3]), p + 2)
    a += m;
    MAC4(wasm_f32x4_splat(a[0]), wasm_f32x4_splat(a[1]), wasm_f32x4_splat(a[2]), wasm_f32x4_splat(a[3]), p + 3)
  }
  for (; p < k; p++) {
    const f32 *a = A + (long)p * m + i;
    MAC4(wasm_f32x4_splat(a[0]), wasm_f32x4_splat(a[1]), wasm_f32x4_splat(a[2]), wasm_f32x4_splat(a[3]), p)
  }
  f32 *c = C + (long)i * n + j;
  store(c, w, c0l, c0h, bias_lo, bias_hi, relu, spill);
  store(c + n, w, c1l, c1h, bias_lo, bias_hi, relu, spill);
  store(c + 2 * n, w, c2l, c2h, bias_lo, bias_hi, relu, spill);
  store(c + 3 * n, w, c3l, c3h, bias_lo, bias_hi, relu, spill);
}

// One row of C (the rows left over by the blocks of four); element (i, p) of op(A) is A[i * rs + p * cs].
static inline __attribute__((always_inline)) void row1(const f32 *A, int rs, int cs, int i, int k, const f32 *panel,
    f32 *C, int n, int j, int w, v128_t bias_lo, v128_t bias_hi, int relu, f32 *spill) {
  v128_t cl = wasm_f32x4_splat(0.f), ch = cl;
  const f32 *a = A + (long)i * rs;
  for (int p = 0; p < k; p++) {
    v128_t ap = wasm_f32x4_splat(a[(long)p * cs]);
    cl = MADD(ap, wasm_v128_load(panel + p * NR), cl);
    ch = MADD(ap, wasm_v128_load(panel + p * NR + 4), ch);
  }
  store(C + (long)i * n + j, w, cl, ch, bias_lo, bias_hi, relu, spill);
}

static inline __attribute__((always_inline)) void product(int m, int n, int k, const f32 *A, int rs, int cs,
    const f32 *B, int transB, const f32 *bias, int relu, f32 *C, f32 *panel) {
  f32 *spill = panel + k * NR;
  for (int j = 0; j < n; j += NR) {
    int w = n - j < NR ? n - j : NR;
    pack_panel(B, transB, k, n, j, panel);
    for (int jj = 0; jj < NR; jj++) spill[jj] = bias != 0 && jj < w ? bias[j + jj] : 0.f;
    v128_t bias_lo = wasm_v128_load(spill), bias_hi = wasm_v128_load(spill + 4);
    int i = 0;
    if (rs == 1) {
      for (; i + MR <= m; i += MR) rows4t(A, cs, i, k, panel, C, n, j, w, bias_lo, bias_hi, relu, spill);
    } else {
      for (; i + MR <= m; i += MR) rows4(A, rs, i, panel, C, n, j, w, bias_lo, bias_hi, relu, spill);
    }
    for (; i < m; i++) row1(A, rs, cs, i, k, panel, C, n, j, w, bias_lo, bias_hi, relu, spill);
  }
}

// The entry point; one specialization per layout of A (the strides are constants inside each).
__attribute__((export_name("gemm"))) void gemm(int m, int n, int k, const f32 *A, int transA, const f32 *B, int transB,
    const f32 *bias, int relu, f32 *C, f32 *panel) {
  if (transA) product(m, n, k, A, 1, m, B, transB, bias, relu, C, panel);
  else product(m, n, k, A, k, 1, B, transB, bias, relu, C, panel);
}

// Window row i of output pixel (oh, ow) reads input row oh·sh + i - top, columns ow·sw - left + j for j < kw: one
// run of kw·C floats in NHWC when the window lies inside the image left to right (most of them), else pixel by pixel.
#define WINDOW_ROWS(RUN, PIXEL, OUTSIDE_ROW)                                                                     \
  for (int b = 0; b < B; b++)                                                                                   \
    for (int oh = 0; oh < OH; oh++)                                                                             \
      for (int ow = 0; ow < OW; ow++) {                                                                         \
        f32 *row = cols + (((long)b * OH + oh) * OW + ow) * kh * kw * C;                                        \
        int iw0 = ow * sw - left;                                                                               \
        for (int i = 0; i < kh; i++) {                                                                          \
          int ih = oh * sh + i - top;                                                                           \
          f32 *win = row + i * kw * C;                                                                          \
          if (ih < 0 || ih >= H) { OUTSIDE_ROW continue; }                                                      \
          f32 *px = image + (((long)b * H + ih) * W + iw0) * C;                                                 \
          if (iw0 >= 0 && iw0 + kw <= W) { RUN continue; }                                                      \
          for (int j = 0; j < kw; j++, win += C, px += C) {                                                     \
            int inside = iw0 + j >= 0 && iw0 + j < W;                                                           \
            PIXEL                                                                                               \
          }                                                                                                     \
        }                                                                                                       \
      }

// cols [B·OH·OW, kh·kw·C] from image [B, H, W, C].
__attribute__((export_name("im2col"))) void im2col(f32 *image, int B, int H, int W, int C, int kh, int kw, int sh,
    int sw, int top, int left, int OH, int OW, f32 *cols) {
  int run = kw * C;
  WINDOW_ROWS(for (int t = 0; t < run; t++) win[t] = px[t];,
              for (int c = 0; c < C; c++) win[c] = inside ? px[c] : 0.f;,
              for (int t = 0; t < run; t++) win[t] = 0.f;)
}

// image [B, H, W, C] = the sum, over the windows that cover each pixel, of the values cols holds for it (the
// transpose of im2col); padding positions are dropped. Windows are added in row order, (i, j) within each.
__attribute__((export_name("col2im"))) void col2im(f32 *cols, int B, int H, int W, int C, int kh, int kw, int sh,
    int sw, int top, int left, int OH, int OW, f32 *image) {
  int run = kw * C;
  long size = (long)B * H * W * C;
  for (long p = 0; p < size; p++) image[p] = 0.f;
  WINDOW_ROWS(for (int t = 0; t < run; t++) px[t] += win[t];,
              if (inside) { for (int c = 0; c < C; c++) px[c] += win[c]; },
              ;)
}

// out[j] = Σ over rows of x[row, j], x [rows, n]: a bias gradient (sums of dy over every axis but the channels).
__attribute__((export_name("column_sums"))) void column_sums(const f32 *x, int rows, int n, f32 *out) {
  for (int j = 0; j < n; j++) out[j] = 0.f;
  for (int r = 0; r < rows; r++) {
    const f32 *row = x + (long)r * n;
    for (int j = 0; j < n; j++) out[j] += row[j];
  }
}
