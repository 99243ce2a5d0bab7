/* Every dense matrix product of the model goes through cblas_sgemm. */
#include "model/layers/layers.h"

#include <cblas.h>
#include <string.h>

void matmul_forward(float *y, const float *x, const float *w, int N, int Din, int Dout, float beta)
{
    /* OpenBLAS zeroes C with a slow pass of its own when beta is 0; a
     * memset and beta 1 give the same bits, measurably faster. */
    if (beta == 0.0f)
        memset(y, 0, sizeof(float) * (size_t)N * Dout);
    /* y (N,Dout) = x (N,Din) * w^T (Din,Dout) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, Dout, Din,
                1.0f, x, Din, w, Din, 1.0f, y, Dout);
}

void matmul_backward(float *dx, float *dw, const float *dy, const float *x, const float *w,
                     int N, int Din, int Dout)
{
    if (N == 0)
        return;
    /* dx (N,Din) += dy (N,Dout) * w (Dout,Din) */
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, Din, Dout,
                    1.0f, dy, Dout, w, Din, 1.0f, dx, Din);
    /* dw (Dout,Din) += dy^T (Dout,N) * x (N,Din) */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Dout, Din, N,
                1.0f, dy, Dout, x, Din, 1.0f, dw, Din);
}
