import Foundation
import Splat
import Tensor
import TestSupport
import XCTest

final class PLYFileTests: XCTestCase {
    /// A file written by plyfile 1.1 in the INRIA layout reads back with its values in place
    /// (f_rest channel-major into [N, K, 3]).
    func testReadsWhatPlyfileWrites() throws {
        let g = try PLYFile.read(Fixtures.path("splat/plyfile_degree1.ply"))
        let values = try Fixtures.file("splat/plyfile_degree1.safetensors").tensor("values").toArray()
        let columns = 26  // x y z nx ny nz f_dc*3 f_rest*9 opacity scale*3 rot*4
        XCTAssertEqual(g.count, 5)
        XCTAssertEqual(g.shDegree, 1)
        for i in 0..<5 {
            let row = Array(values[(i * columns)..<((i + 1) * columns)])
            XCTAssertEqual(Array(g.means[(3 * i)..<(3 * i + 3)]), Array(row[0..<3]))
            XCTAssertEqual(g.opacityLogits[i], row[18])
            XCTAssertEqual(Array(g.logScales[(3 * i)..<(3 * i + 3)]), Array(row[19..<22]))
            XCTAssertEqual(Array(g.quaternions[(4 * i)..<(4 * i + 4)]), Array(row[22..<26]))
            for c in 0..<3 {
                XCTAssertEqual(g.sh[(i * 4) * 3 + c], row[6 + c], "dc")
                for k in 1..<4 { XCTAssertEqual(g.sh[(i * 4 + k) * 3 + c], row[9 + c * 3 + k - 1], "f_rest channel-major") }
            }
        }
    }

    func testRoundTripAtEveryDegreeAndCorruptFilesAreRejected() throws {
        let dir = Fixtures.temporaryDirectory()
        for degree in 0...3 {
            let n = 7, k = (degree + 1) * (degree + 1)
            let g = Gaussians(means: Tensor.normal([3 * n], seed: 1).toArray(), logScales: Tensor.normal([3 * n], seed: 2).toArray(),
                              quaternions: Tensor.normal([4 * n], seed: 3).toArray(), opacityLogits: Tensor.normal([n], seed: 4).toArray(),
                              shDegree: degree, sh: Tensor.normal([3 * k * n], seed: 5).toArray())
            let path = dir + "/g\(degree).ply"
            try PLYFile.write(g, to: path)
            XCTAssertEqual(try PLYFile.read(path), g)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/g3.ply"))
        let truncated = dir + "/truncated.ply"
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try PLYFile.read(truncated)) { XCTAssertTrue("\($0)".contains("truncated.ply: truncated"), "\($0)") }
        let text = dir + "/text.ply"
        try "ply\nformat ascii 1.0\nelement vertex 0\nend_header\n".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PLYFile.read(text)) { XCTAssertTrue("\($0)".contains("text.ply: unsupported PLY format ascii"), "\($0)") }
        XCTAssertThrowsError(try PLYFile.read(dir + "/none.ply")) { XCTAssertTrue("\($0)".contains("none.ply: no such file"), "\($0)") }
    }
}

extension PLYFileTests {
    /// Point clouds written by plyfile (binary with doubles, colours, an extra property and a face
    /// element; ASCII floats without colours) read as positions and colours.
    func testPointCloudsReadAsWrittenByPlyfile() throws {
        let f = try Fixtures.file("splat/cloud.safetensors")
        let cloud = try f.tensor("cloud").toArray(), rgb = try f.tensor("rgb").toArray()
        let binary = try PointCloudPLY.read(Fixtures.path("splat/cloud_binary.ply"))
        let ascii = try PointCloudPLY.read(Fixtures.path("splat/cloud_ascii.ply"))
        XCTAssertEqual(binary.count, 4)
        XCTAssertEqual(ascii.count, 4)
        for i in 0..<4 {
            for a in 0..<3 {
                XCTAssertEqual(binary[i].position[a], cloud[i * 3 + a], accuracy: 1e-6)
                XCTAssertEqual(ascii[i].position[a], cloud[i * 3 + a], accuracy: 1e-6)
                XCTAssertEqual(binary[i].colour[a] * 255, rgb[i * 3 + a], accuracy: 1e-3)
                XCTAssertEqual(ascii[i].colour[a], 0.5)
            }
        }
    }
}
