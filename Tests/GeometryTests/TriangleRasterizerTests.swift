import Geometry
import Tensor
import XCTest

/// Analytic scenes for the triangle rasteriser. The camera sits at the origin looking down +z
/// (identity rotation, OpenCV axes: x right, y down), so a point (x, y, z) lands at
/// (fx x / z + cx, fy y / z + cy).
final class TriangleRasterizerTests: XCTestCase {
    let camera = Camera(width: 32, height: 24, fx: 20, fy: 20, cx: 0, cy: 0, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: .zero)

    /// World point at depth z that projects to pixel position (u, v).
    func point(_ u: Float, _ v: Float, _ z: Float) -> [Float] { [u * z / 20, v * z / 20, z] }

    func testTriangleCoversItsInteriorAndAntialiasesItsEdge() {
        let mesh = Mesh(positions: point(2, 2, 2) + point(30, 2, 2) + point(2, 20, 2), triangles: [0, 1, 2],
                        attributes: [1, 0, 0, 1, 0, 0, 1, 0, 0], channels: 3)
        let r = TriangleRasterizer.render(mesh, camera: camera, supersampling: 4)
        XCTAssertEqual(r.coverage[5 * 32 + 5], 1)
        XCTAssertEqual(r.attributes[(5 * 32 + 5) * 3], 1, accuracy: 1e-6)
        XCTAssertEqual(r.depth[5 * 32 + 5], 2, accuracy: 1e-5)
        XCTAssertEqual(r.coverage[18 * 32 + 28], 0, "beyond the hypotenuse")
        XCTAssertEqual(r.coverage[0], 0, "outside the corner")
        // The hypotenuse from (30, 2) to (2, 20) crosses pixel (16, 10) (y 10.4 to 11.0 over its width).
        XCTAssertGreaterThan(r.coverage[10 * 32 + 16], 0.1)
        XCTAssertLessThan(r.coverage[10 * 32 + 16], 0.9)
        // Total coverage equals the triangle's area (28 x 18 / 2 pixels) to within the sampling error.
        XCTAssertEqual(r.coverage.reduce(0, +), 28 * 18 / 2, accuracy: 3)
    }

    /// Two triangles sharing a diagonal: no gap and no double counting (every interior pixel covered
    /// exactly once), and an attribute linear in position is reproduced exactly.
    func testQuadFacingTheCameraInterpolatesLinearly() {
        let corners: [(Float, Float)] = [(4, 4), (28, 4), (28, 20), (4, 20)]
        let positions = corners.flatMap { point($0.0, $0.1, 3) }
        let attributes = corners.flatMap { c -> [Float] in [c.0 / 32, c.1 / 24, 0.5] }  // colour = pixel position
        let mesh = Mesh(positions: positions, triangles: [0, 1, 2, 0, 2, 3], attributes: attributes, channels: 3)
        let r = TriangleRasterizer.render(mesh, camera: camera, supersampling: 2)
        for y in 4..<20 {
            for x in 4..<28 {
                let o = y * 32 + x
                XCTAssertEqual(r.coverage[o], 1, "(\(x), \(y))")
                XCTAssertEqual(r.attributes[o * 3], (Float(x) + 0.5) / 32, accuracy: 1e-4)
                XCTAssertEqual(r.attributes[o * 3 + 1], (Float(y) + 0.5) / 24, accuracy: 1e-4)
            }
        }
        XCTAssertEqual(r.coverage.reduce(0, +), 24 * 16, accuracy: 1e-3)
    }

    func testNearerTriangleWinsWhateverTheOrder() {
        let near = point(2, 2, 2) + point(30, 2, 2) + point(16, 22, 2)
        let far = point(2, 22, 3) + point(30, 22, 3) + point(16, 2, 3)
        for order in [[near, far], [far, near]] {
            let colours: [Float] = order[0] == near ? [1, 1, 1, 0, 0, 0] : [0, 0, 0, 1, 1, 1]
            let mesh = Mesh(positions: order[0] + order[1], triangles: [0, 1, 2, 3, 4, 5],
                            attributes: colours.flatMap { [$0] }, channels: 1)
            let r = TriangleRasterizer.render(mesh, camera: camera, supersampling: 1)
            let centre = 12 * 32 + 16
            XCTAssertEqual(r.attributes[centre], 1, "the near triangle's value")
            XCTAssertEqual(r.depth[centre], 2, accuracy: 1e-5)
        }
    }

    /// A plane tilted in depth carrying its world x as an attribute: each pixel shows the x of the ray's
    /// intersection with the plane (perspective-correct), not the screen-linear blend.
    func testInterpolationIsPerspectiveCorrect() {
        // Plane z = 2 + x (x in [-0.5, 1]), y in [-0.4, 0.4].
        let quad: [SIMD3<Float>] = [SIMD3(-0.5, -0.4, 1.5), SIMD3(1, -0.4, 3), SIMD3(1, 0.4, 3), SIMD3(-0.5, 0.4, 1.5)]
        let wide = Camera(width: 32, height: 24, fx: 20, fy: 20, cx: 16, cy: 12, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: .zero)
        let mesh = Mesh(positions: quad.flatMap { [$0.x, $0.y, $0.z] }, triangles: [0, 1, 2, 0, 2, 3],
                        attributes: quad.map(\.x), channels: 1)
        let r = TriangleRasterizer.render(mesh, camera: wide, supersampling: 1)
        var checked = 0
        for y in 0..<24 {
            for x in 0..<32 where r.coverage[y * 32 + x] == 1 {
                // Ray direction d = ((u - cx) / fx, (v - cy) / fy, 1); plane z = 2 + x: t = 2 / (1 - dx).
                let dx = (Float(x) + 0.5 - 16) / 20
                XCTAssertEqual(r.attributes[y * 32 + x], dx * 2 / (1 - dx), accuracy: 1e-4, "(\(x), \(y))")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testResultDoesNotDependOnThreads() {
        let mesh = Mesh(positions: Tensor.uniform([90], low: -1, high: 1, seed: 1).toArray().enumerated().map { $0.offset % 3 == 2 ? $0.element + 3 : $0.element },
                        triangles: (0..<30).map { Int32($0) }, attributes: Tensor.uniform([30], low: 0, high: 1, seed: 2).toArray(), channels: 1)
        let centred = Camera(width: 32, height: 24, fx: 20, fy: 20, cx: 16, cy: 12, rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: .zero)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 1
        let one = TriangleRasterizer.render(mesh, camera: centred)
        Parallel.threads = 2
        let two = TriangleRasterizer.render(mesh, camera: centred)
        XCTAssertEqual(one.attributes, two.attributes)
        XCTAssertEqual(one.coverage, two.coverage)
        XCTAssertGreaterThan(one.coverage.reduce(0, +), 10)
    }
}
