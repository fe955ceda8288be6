import ShadersCPU
import Tensor
import XCTest

/// Orbit's packed SGEMM (Shaders-CPU/nn_gemm.c) against a naive double-precision product, on
/// shapes that cross every blocking edge: KC = 256, MC = 16 micro-panels, NC = 2048, ragged tiles.
final class BLASTests: XCTestCase {
    override func tearDown() { nn_set_isa_level(nn_isa_detected()) }

    func testGemmMatchesNaiveProductAcrossBlockEdgesTransposesAndISAs() {
        let shapes = [(1, 1, 1), (13, 37, 300), (200, 33, 257), (7, 2050, 5), (31, 64, 64)]
        let work = UnsafeMutablePointer<Float>.allocate(capacity: Int(nn_sgemm_workspace_floats()))
        defer { work.deallocate() }
        for level in 0...Int(nn_isa_detected()) {
            nn_set_isa_level(Int32(level))
            for (m, n, k) in shapes {
                for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                    let a = Tensor.normal(ta ? [k, m] : [m, k], seed: 1).toArray()
                    let b = Tensor.normal(tb ? [n, k] : [k, n], seed: 2).toArray()
                    let c0 = Tensor.normal([m, n], seed: 3).toArray()
                    var c = c0
                    let (alpha, beta): (Float, Float) = (0.5, ta ? 0 : -2)
                    c.withUnsafeMutableBufferPointer { cp in
                        nn_sgemm(ta ? 1 : 0, tb ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(ta ? m : k),
                                 b, Int64(tb ? k : n), beta, cp.baseAddress, Int64(n), work)
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            var s = 0.0
                            for p in 0..<k {
                                s += Double(ta ? a[p * m + i] : a[i * k + p]) * Double(tb ? b[j * k + p] : b[p * n + j])
                            }
                            let expected = Double(alpha) * s + Double(beta) * Double(c0[i * n + j])
                            worst = max(worst, abs(expected - Double(c[i * n + j])) / (1 + abs(expected)))
                        }
                    }
                    XCTAssertLessThan(worst, 2e-5 * Double(k).squareRoot(), "m \(m) n \(n) k \(k) ta \(ta) tb \(tb) ISA \(level)")
                }
            }
        }
    }

    func testPrepackedBGivesTheSameProductOnEveryISA() {
        let work = UnsafeMutablePointer<Float>.allocate(capacity: Int(nn_sgemm_workspace_floats()))
        defer { work.deallocate() }
        for level in 0...Int(nn_isa_detected()) {
            nn_set_isa_level(Int32(level))
            for (m, n, k, tb) in [(50, 2100, 300, true), (9, 70, 1030, false)] {
                let a = Tensor.normal([m, k], seed: 4).toArray(), b = Tensor.normal(tb ? [n, k] : [k, n], seed: 5).toArray()
                var direct = [Float](repeating: 0, count: m * n), viaPacked = direct
                var packed = [Float](repeating: .nan, count: Int(nn_sgemm_packed_b_floats(Int64(k), Int64(n))) + 1)
                let ldb = Int64(tb ? k : n)
                direct.withUnsafeMutableBufferPointer {
                    nn_sgemm(0, tb ? 1 : 0, Int64(m), Int64(n), Int64(k), 1, a, Int64(k), b, ldb, 0, $0.baseAddress, Int64(n), work)
                }
                packed.withUnsafeMutableBufferPointer { p in
                    // Offset by one float: pre-packed buffers need no particular alignment.
                    nn_sgemm_pack_b(tb ? 1 : 0, Int64(k), Int64(n), b, ldb, p.baseAddress! + 1)
                    viaPacked.withUnsafeMutableBufferPointer {
                        nn_sgemm_prepacked_b(0, Int64(m), Int64(n), Int64(k), 1, a, Int64(k), p.baseAddress! + 1, 0,
                                             $0.baseAddress, Int64(n), work)
                    }
                }
                XCTAssertEqual(direct, viaPacked, "m \(m) n \(n) k \(k) ISA \(level)")
            }
        }
    }

    func testBetaZeroNeverReadsC() {
        let work = UnsafeMutablePointer<Float>.allocate(capacity: Int(nn_sgemm_workspace_floats()))
        defer { work.deallocate() }
        var c = [Float](repeating: .nan, count: 4)
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [1, 0, 0, 1]
        c.withUnsafeMutableBufferPointer { nn_sgemm(0, 0, 2, 2, 2, 1, a, 2, b, 2, 0, $0.baseAddress, 2, work) }
        XCTAssertEqual(c, [1, 2, 3, 4])
    }
}
