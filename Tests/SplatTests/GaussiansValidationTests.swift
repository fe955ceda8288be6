import Foundation
import Splat
import TestSupport
import XCTest

/// Gaussians a renderer cannot draw are reported by the PLY reader, naming the Gaussian, instead of
/// being culled or rendered into garbage.
final class GaussiansValidationTests: XCTestCase {
    /// Four small Gaussians on a line, degree 0.
    static func line() -> Gaussians {
        Gaussians(means: (0..<4).flatMap { [Float($0) * 0.1, 0, 0] }, logScales: [Float](repeating: -3, count: 12),
                  quaternions: (0..<4).flatMap { _ in [Float(1), 0, 0, 0] }, opacityLogits: [2, 2, 2, 2], shDegree: 0,
                  sh: [Float](repeating: 0.5, count: 12))
    }

    func assertRefused(_ g: Gaussians, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Fixtures.temporaryDirectory() + "/bad.ply"
        try PLYFile.write(g, to: path)
        XCTAssertThrowsError(try PLYFile.read(path), file: file, line: line) {
            XCTAssertTrue("\($0)".contains("bad.ply: " + expected), "\($0)", file: file, line: line)
        }
    }

    func testNonFiniteAndHugeGaussiansAreReportedByIndex() throws {
        XCTAssertNil(Self.line().firstProblem())
        var g = Self.line()
        g.means[7] = .nan
        try assertRefused(g, "Gaussian 2 of 4 has a non-finite position (0.2, nan, 0.0)")
        g = Self.line()
        g.logScales[4] = 1e30
        try assertRefused(g, "Gaussian 1 of 4 has log scale 1e+30 (the limit is 30.0")
        g = Self.line()
        g.logScales[0] = -.infinity
        try assertRefused(g, "Gaussian 0 of 4 has a non-finite log scale")
        g = Self.line()
        g.quaternions[15] = .infinity
        try assertRefused(g, "Gaussian 3 of 4 has a non-finite rotation")
        g = Self.line()
        g.opacityLogits[1] = .nan
        try assertRefused(g, "Gaussian 1 of 4 has a non-finite opacity logit")
        g = Self.line()
        g.sh[11] = .infinity
        try assertRefused(g, "Gaussian 3 of 4 has non-finite colour")
        g = Self.line()
        g.logScales[5] = 29
        XCTAssertNil(g.firstProblem(), "large but drawable")
    }
}
