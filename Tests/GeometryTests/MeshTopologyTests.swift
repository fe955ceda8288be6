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

extension MeshTopologyTests {
    /// An octahedron (8 triangles) and, apart from it, a tetrahedron (4): two components, labelled by
    /// size; the tetrahedron is a floater below half the octahedron's size and stays at or above it.
    func testComponentsAndFloaters() {
        let octahedron: [Int32] = [0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5]
        let tetrahedron: [Int32] = [0, 2, 1, 0, 1, 3, 1, 2, 3, 2, 0, 3].map { $0 + 6 }
        // The tetrahedron first, so that the labels must come from the sizes, not the order.
        let triangles = tetrahedron + octahedron
        XCTAssertTrue(Mesh.isWatertight(triangles: triangles))
        let (labels, sizes) = Mesh.components(triangles: triangles, vertexCount: 10)
        XCTAssertEqual(sizes, [8, 4])
        XCTAssertEqual(labels, [Int](repeating: 1, count: 4) + [Int](repeating: 0, count: 8))

        let cleaned = Mesh.removingFloaters(triangles: triangles, vertexCount: 10, share: 0.6)
        XCTAssertEqual(cleaned.triangles.count, octahedron.count)
        XCTAssertEqual(Set(cleaned.vertices), Set(0..<6), "only the octahedron's vertices")
        XCTAssertEqual(cleaned.triangles.map { cleaned.vertices[Int($0)] }, octahedron.map(Int.init), "renumbered, same triangles")
        XCTAssertTrue(Mesh.isWatertight(triangles: cleaned.triangles))

        let kept = Mesh.removingFloaters(triangles: triangles, vertexCount: 10, share: 0.5)
        XCTAssertEqual(kept.triangles.count, triangles.count)
        XCTAssertEqual(kept.triangles.map { kept.vertices[Int($0)] }, triangles.map(Int.init))
        XCTAssertTrue(Mesh.removingFloaters(triangles: [], vertexCount: 0, share: 0.5).triangles.isEmpty)
    }
}
