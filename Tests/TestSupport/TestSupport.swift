import Foundation
import Tensor
import XCTest

/// Shared helpers for the test targets: fixture paths, closeness checks, and a finite-difference
/// gradient checker.
public enum Fixtures {
    /// Tests/Fixtures/<name>.
    public static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    /// A golden safetensors file (made by a Tools/golden script).
    public static func file(_ name: String) throws -> SafeTensorsFile { try SafeTensorsFile(path: path(name)) }

    /// A fresh temporary directory.
    public static func temporaryDirectory() -> String {
        let dir = NSTemporaryDirectory() + "orbit-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Asserts |a - b| <= rtol * |b| + atol elementwise, with atol = rtol * max|b| unless given
/// (relative to the reference's scale, so values near zero are judged against their tensor).
public func assertClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float? = nil, _ message: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape \(message)", file: file, line: line)
    guard a.shape == b.shape else { return }
    let x = a.toArray(), y = b.toArray()
    let scale = y.map { Swift.abs($0) }.max() ?? 0
    let floor = atol ?? rtol * scale
    var worst: Float = 0, worstIndex = 0
    for i in 0..<x.count {
        let excess = Swift.abs(x[i] - y[i]) - (rtol * Swift.abs(y[i]) + floor)
        if excess > worst || x[i].isNaN { worst = x[i].isNaN ? .infinity : excess; worstIndex = i }
    }
    XCTAssertLessThanOrEqual(worst, 0, "\(message): element \(worstIndex) is \(x[worstIndex]), expected \(y[worstIndex]) (rtol \(rtol), atol \(floor))",
                             file: file, line: line)
}

/// Largest |a - b|.
public func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.toArray(), b.toArray()).map { Swift.abs($0 - $1) }.max() ?? 0
}

/// Compares reverse-mode gradients of L = sum(f(inputs) * r) (random r) with central finite
/// differences, for up to `samples` elements of every input that requires a gradient. L is
/// accumulated in double so only the op's own float rounding enters the differences.
public func checkGradients(_ inputs: [Tensor], _ message: String = "", eps: Float = 1e-2, rtol: Float = 2e-2,
                           atolScale: Float = 3e-3, samples: Int = 24, seed: UInt64 = 99,
                           file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for t in inputs { t.zeroGrad() }
    let out = f(inputs)
    let r = Tensor.normal(out.shape, seed: seed)
    let rv = r.toArray()
    (out * r).sum().backward()
    func loss() -> Double {
        let o = noGrad { f(inputs) }.toArray()
        var s = 0.0
        for i in 0..<o.count { s += Double(o[i]) * Double(rv[i]) }
        return s
    }
    var rng = SeededGenerator(seed: seed &+ 1)
    for (k, x) in inputs.enumerated() where x.requiresGrad {
        guard let grad = x.grad else { XCTFail("\(message): input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(grad.shape, x.shape, file: file, line: line)
        precondition(x.isContiguous, "gradient check perturbs contiguous inputs")
        let analytic = grad.toArray()
        let scale = Swift.max(1e-3, analytic.map { Swift.abs($0) }.max() ?? 0)
        let picks = x.count <= samples ? Array(0..<x.count) : (0..<samples).map { _ in Int(rng.next() % UInt64(x.count)) }
        for i in picks {
            let saved = x.data[i]
            x.data[i] = saved + eps
            let up = loss()
            x.data[i] = saved - eps
            let down = loss()
            x.data[i] = saved
            let numeric = Float((up - down) / Double(2 * eps))
            let err = Swift.abs(numeric - analytic[i])
            XCTAssertLessThanOrEqual(err, rtol * Swift.max(Swift.abs(numeric), Swift.abs(analytic[i])) + atolScale * scale,
                                     "\(message): input \(k) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                                     file: file, line: line)
        }
    }
}

/// A leaf parameter with seeded normal values.
public func param(_ shape: [Int], seed: UInt64, std: Float = 1, mean: Float = 0) -> Tensor {
    Tensor.normal(shape, mean: mean, std: std, seed: seed).requiringGrad()
}
