import ShadersCPU
import Tensor
import XCTest

/// nn_adam_step_rows (splat SH: two learning rates per row) against the plain Adam kernel called on
/// each row's two parts, over three steps, including rows with nothing past the lead columns.
final class AdamRowsKernelTests: XCTestCase {
    func testRowsKernelEqualsTwoCallsPerRow() {
        for (rows, width, lead) in [(37, 48, 3), (5, 3, 3), (9, 12, 3)] {
            let count = rows * width
            var (p1, m1, v1) = (Tensor.normal([count], seed: 1).toArray(), [Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
            var (p2, m2, v2) = (p1, m1, v1)
            for step in 1...3 {
                let g = Tensor.normal([count], seed: UInt64(10 + step)).toArray()
                let (bc1, bc2) = (1 - Float(pow(0.9, Double(step))), 1 - Float(pow(0.999, Double(step))))
                nn_adam_step_rows(&p1, g, &m1, &v1, Int64(width), Int64(lead), 0, Int64(rows), 0.01, 0.0005, 0.9, 0.999, 1e-15, bc1, bc2)
                p2.withUnsafeMutableBufferPointer { p in m2.withUnsafeMutableBufferPointer { m in v2.withUnsafeMutableBufferPointer { v in
                    g.withUnsafeBufferPointer { gg in
                        for r in 0..<rows {
                            let o = r * width
                            nn_adam_step(p.baseAddress! + o, gg.baseAddress! + o, m.baseAddress! + o, v.baseAddress! + o, Int64(lead), 0.01,
                                         0.9, 0.999, 1e-15, 0, bc1, bc2, 0)
                            nn_adam_step(p.baseAddress! + o + lead, gg.baseAddress! + o + lead, m.baseAddress! + o + lead,
                                         v.baseAddress! + o + lead, Int64(width - lead), 0.0005, 0.9, 0.999, 1e-15, 0, bc1, bc2, 0)
                        }
                    }
                } } }
            }
            XCTAssertEqual(p1, p2, "rows \(rows) width \(width)")
            XCTAssertEqual(m1, m2)
            XCTAssertEqual(v1, v2)
            XCTAssertNotEqual(p1, Tensor.normal([count], seed: 1).toArray(), "the parameters moved")
        }
    }
}
