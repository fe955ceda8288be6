import Foundation
import Imaging

/// Turntable frames of a coloured triangle mesh: the rasteriser's colours and normals, lit by a
/// headlight (Lambert, two-sided, with ambient), over a background; the camera circles the mesh's
/// bounding-box centre at one elevation, far enough to frame it whole.
public struct MeshTurntable {
    public var frames = 60, size = 256
    /// Degrees; `fov` is the vertical field of view (the standard rig's by default).
    public var elevation: Float = 10, fov = OrbitRig.standard.fieldOfView
    public var background = SIMD3<Float>(1, 1, 1)

    public init() {}

    /// positions and colours [V, 3] (colours in [0, 1]; empty: grey), triangles [T, 3];
    /// `progress(done, frames)` after each frame.
    public func render(positions: [Float], colours: [Float], triangles: [Int32], progress: (Int, Int) -> Void = { _, _ in }) -> [Image] {
        let v = positions.count / 3
        guard v > 0 else { return [] }
        let points = (0..<v).map { SIMD3(positions[3 * $0], positions[3 * $0 + 1], positions[3 * $0 + 2]) }
        let lower = points.reduce(points[0]) { SIMD3(min($0.x, $1.x), min($0.y, $1.y), min($0.z, $1.z)) }
        let upper = points.reduce(points[0]) { SIMD3(max($0.x, $1.x), max($0.y, $1.y), max($0.z, $1.z)) }
        let centre = (lower + upper) / 2, radius = max(((upper - lower) * (upper - lower)).sum().squareRoot() / 2, 1e-3)
        let distance = 1.05 * radius / sin(0.5 * fov * .pi / 180)
        let albedo = colours.count == 3 * v ? colours : [Float](repeating: 0.7, count: 3 * v)
        let normals = Mesh.vertexNormals(positions: positions, triangles: triangles)
        var attributes = [Float](repeating: 0, count: 6 * v)
        for i in 0..<v { for c in 0..<3 { attributes[6 * i + c] = albedo[3 * i + c]; attributes[6 * i + 3 + c] = normals[3 * i + c] } }
        let mesh = Mesh(positions: positions, triangles: triangles, attributes: attributes, channels: 6)
        let rig = OrbitRig(distance: distance, fieldOfView: fov, centre: centre)
        return OrbitView.ring(elevation: elevation, count: frames).enumerated().map { k, orbitView in
            let pose = rig.cameraToWorld(orbitView)
            let view = TriangleRasterizer.render(mesh, camera: rig.camera(orbitView, size: size))
            let towardsCamera = SIMD3(pose[0][2], pose[1][2], pose[2][2])
            var image = Image(width: size, height: size, channels: 3)
            for p in 0..<(size * size) {
                let a = 6 * p  // albedo at a ..< a + 3, normal at a + 3 ..< a + 6
                var n = SIMD3(view.attributes[a + 3], view.attributes[a + 4], view.attributes[a + 5])
                n /= max((n * n).sum().squareRoot(), 1e-6)
                let light = 0.3 + 0.7 * abs((n * towardsCamera).sum()), cover = view.coverage[p]
                for c in 0..<3 { image.pixels[3 * p + c] = cover * min(1, view.attributes[a + c] * light) + (1 - cover) * background[c] }
            }
            progress(k + 1, frames)
            return image
        }
    }
}
