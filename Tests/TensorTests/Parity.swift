import Tensor
import TestSupport
import XCTest

/// Runs one golden case from Tests/Fixtures/core/ops.safetensors (Tools/golden/make_core_fixtures.py):
/// inputs `<name>.in<i>`, forward output `<name>.out`, and when present the torch gradients
/// `<name>.grad<i>` of sum(out * `<name>.r`).
func checkParity(_ name: String, inputs n: Int, rtol: Float = 1e-5, gradRtol: Float = 1e-4,
                 file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) throws {
    let fx = try Fixtures.file("core/ops.safetensors")
    let inputs = try (0..<n).map { try fx.tensor("\(name).in\($0)").clone().requiringGrad() }
    let out = f(inputs)
    assertClose(out, try fx.tensor("\(name).out"), rtol: rtol, "\(name) forward", file: file, line: line)
    guard fx.entries["\(name).r"] != nil else { return }
    (out * (try fx.tensor("\(name).r"))).sum().backward()
    for i in 0..<n where fx.entries["\(name).grad\(i)"] != nil {
        guard let g = inputs[i].grad else { XCTFail("\(name): no gradient for input \(i)", file: file, line: line); continue }
        assertClose(g, try fx.tensor("\(name).grad\(i)"), rtol: gradRtol, "\(name) gradient of input \(i)", file: file, line: line)
    }
}
