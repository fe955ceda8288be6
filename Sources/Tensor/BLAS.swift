import CBLAS
import Foundation
import ShadersCPU

/// Single-precision GEMM, row-major: C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C.
/// Orbit's own packed kernel (Shaders-CPU/nn_gemm.c) by default; ORBIT_GEMM=openblas selects
/// OpenBLAS (pinned to one thread) for comparison.
enum BLAS {
    static let useOpenBLAS = ProcessInfo.processInfo.environment["ORBIT_GEMM"] == "openblas"

    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if !useOpenBLAS {
            let work = GemmWorkspace.acquire()
            defer { GemmWorkspace.release(work) }
            nn_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb),
                     beta, c, Int64(ldc), work)
            return
        }
        _ = Parallel.threads  // pins OpenBLAS to one thread before its first use
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Floats needed to hold op(B) [k, n] packed by `packB` (for the current ISA level).
    static func packedBFloats(k: Int, n: Int) -> Int { Int(nn_sgemm_packed_b_floats(Int64(k), Int64(n))) }

    /// Packs op(B) [k, n] once, for several `gemm(prepackedB:)` calls.
    static func packB(transB: Bool, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, into packed: UnsafeMutablePointer<Float>) {
        nn_sgemm_pack_b(transB ? 1 : 0, Int64(k), Int64(n), b, Int64(ldb), packed)
    }

    /// C[m, n] = alpha * op(A) * B + beta * C with B from `packB` (Orbit's kernel only).
    static func gemm(transA: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     prepackedB: UnsafePointer<Float>, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let work = GemmWorkspace.acquire()
        defer { GemmWorkspace.release(work) }
        nn_sgemm_prepacked_b(transA ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), prepackedB, beta, c,
                             Int64(ldc), work)
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

/// Packing buffers for nn_sgemm, reused across calls (one per concurrent caller).
enum GemmWorkspace {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var free: [UnsafeMutablePointer<Float>] = []
    static let floats = Int(nn_sgemm_workspace_floats())

    static func acquire() -> UnsafeMutablePointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        return free.popLast() ?? UnsafeMutablePointer<Float>.allocate(capacity: floats)
    }

    static func release(_ p: UnsafeMutablePointer<Float>) {
        lock.lock()
        free.append(p)
        lock.unlock()
    }
}
