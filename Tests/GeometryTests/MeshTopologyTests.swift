import Geometry
import XCTest

final class MeshTopologyTests: XCTestCase {
    /// A cube with one face missing has one square hole; capping it makes the mesh watertight.
    func testCappingAnOpenBoxMakesItWatertight() {
        let positions: [Float] = [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1]
        // Five faces of the unit cube, outward and counter-clockwise; the top (y = 1) is missing.
        let faces: [[Int32]] = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [3, 0, 4, 7]]
        let triangles = faces.flatMap { [$0[0], $0[1], $0[2], $0[0], $0[2], $0[3]] }
        XCTAssertFalse(Mesh.isWatertight(triangles: triangles))
        let loops = Mesh.boundaryLoops(triangles: triangles)
        XCTAssertEqual(loops.count, 1)
        XCTAssertEqual(Set(loops[0]), [2, 3, 6, 7])
        let capped = Mesh.cappingHoles(positions: positions, triangles: triangles)
        XCTAssertTrue(Mesh.isWatertight(triangles: capped.triangles))
        XCTAssertEqual(capped.positions.count, positions.count + 3)
        XCTAssertEqual(Array(capped.positions.suffix(3)), [0.5, 1, 0.5], "the cap's centre")
        // Outward: the cap's normals point +y like the missing face would.
        let normals = Mesh.vertexNormals(positions: capped.positions, triangles: capped.triangles)
        XCTAssertEqual(normals[3 * 8 + 1], 1, accuracy: 1e-5)
    }
}
