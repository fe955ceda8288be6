import Foundation
import Geometry
import TestSupport
import XCTest

/// Inputs the fuzz harnesses found (Tests/Fuzz/*/regressions, docs/FUZZING.md), each refused with an
/// error naming the file.
final class GeometryFuzzRegressionTests: XCTestCase {
    /// mesh-ply: a NaN vertex was read and reached the viewer page and the mesh metrics.
    func testMeshWithANaNVertex() throws {
        let path = FuzzRegressions.path("mesh-ply", "nan-vertex.ply")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        assertThrows(try MeshPLY.decode(data, file: path), containing: "nan-vertex.ply: vertex 0 of 3 has a non-finite position")
    }

    /// transforms-json: an empty transforms.json is refused naming the file. (Reading an empty file
    /// leaks 4 KB inside swift-foundation itself, FileManager.contents(atPath:); LeakSanitizer is told
    /// so in Tests/FuzzHarness/lsan-suppressions.txt.)
    func testEmptyTransformsFile() throws {
        let path = try FuzzRegressions.copy("transforms-json", "empty-file-foundation-leak.json", as: "transforms.json")
        assertThrows(try ViewsFolder.frames(transforms: path), containing: "transforms.json: not a JSON object")
    }
}
