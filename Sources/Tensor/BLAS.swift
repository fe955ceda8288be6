import CBLAS

/// Single-precision GEMM through OpenBLAS (pinned to one thread), row-major:
/// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C.
enum BLAS {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        _ = Parallel.threads  // pins OpenBLAS to one thread before its first use
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The same GEMM split over the cores: by rows of C when m is the larger side, else by columns.
    static func parallelGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let threads = Parallel.threads
        if threads == 1 || Double(m) * Double(n) * Double(k) < 2e6 {
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc)
            return
        }
        if m >= n {
            // Row blocks of C, multiples of 16 so each thread's tile edges stay aligned to the kernel.
            let block = ((m + threads - 1) / threads + 15) / 16 * 16
            parallelChunks(m, chunks: (m + block - 1) / block) { _, lo, hi in
                let aRow = transA ? a + lo : a + lo * lda
                gemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha, a: aRow, lda: lda,
                     b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            }
        } else {
            let block = ((n + threads - 1) / threads + 15) / 16 * 16
            parallelChunks(n, chunks: (n + block - 1) / block) { _, lo, hi in
                let bCol = transB ? b + lo * ldb : b + lo
                gemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                     b: bCol, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }
    }
}
