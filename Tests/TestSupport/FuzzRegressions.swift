import Foundation
import XCTest

/// The fuzz harnesses' regression inputs, Tests/Fuzz/<target>/regressions/<name> (docs/FUZZING.md):
/// each made a reader crash, hang or accept what it must refuse once; the tests feed them to the
/// reader again and expect an error naming the file.
public enum FuzzRegressions {
    /// Tests/Fuzz/<target>/regressions/<name>.
    public static func path(_ target: String, _ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/\(target)/regressions/\(name)").path
    }

    /// The regression copied into a fresh temporary folder as `fileName` (for readers whose file
    /// name matters, or that write beside it).
    public static func copy(_ target: String, _ name: String, as fileName: String) throws -> String {
        let copy = Fixtures.temporaryDirectory() + "/" + fileName
        try FileManager.default.copyItem(atPath: path(target, name), toPath: copy)
        return copy
    }

    /// A COLMAP project (the images of `Fixtures.colmapProject`) whose sparse/0 holds a colmap-text or
    /// colmap-binary regression: cameras, images and points3D in turn, cut where the harness cuts them
    /// (at "\n--orbit-fuzz-next-file--\n", Tests/FuzzHarness/OrbitFuzz/ColmapHarness.swift).
    public static func colmapProject(_ target: String, _ name: String) throws -> String {
        let project = try Fixtures.colmapProject(level: 0.5), sparse = project + "/sparse/0"
        for file in try FileManager.default.contentsOfDirectory(atPath: sparse) { try FileManager.default.removeItem(atPath: sparse + "/" + file) }
        let text = try Data(contentsOf: URL(fileURLWithPath: path(target, name)))
        var rest = text[...], sections: [Data] = []
        while let cut = rest.range(of: Data("\n--orbit-fuzz-next-file--\n".utf8)) {
            sections.append(Data(rest[..<cut.lowerBound]))
            rest = rest[cut.upperBound...]
        }
        sections.append(Data(rest))
        let ext = target == "colmap-text" ? "txt" : "bin"
        for (section, file) in zip(sections, ["cameras", "images", "points3D"]) {
            try section.write(to: URL(fileURLWithPath: "\(sparse)/\(file).\(ext)"))
        }
        return project
    }
}

/// Asserts that `body` throws an error whose description contains `expected` (the file and the problem).
public func assertThrows(_ body: @autoclosure () throws -> Any?, containing expected: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) {
        XCTAssertTrue("\($0)".contains(expected), "\($0)", file: file, line: line)
    }
}
