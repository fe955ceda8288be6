import Foundation
import Geometry
import Tensor

/// The visual hull of the training views' alpha masks: the voxels of the cameras' look-at volume that
/// every view that sees them shows as foreground. Views folders from `orbit generate` and `orbit synth`
/// carry alpha, so the shape is known before the first iteration; starting the Gaussians on the hull's
/// surface (coloured by the view that faces each point best) instead of uniformly in the volume saves
/// the iterations a random start spends finding the object.
public struct VisualHull {
    /// Voxels along each side of the look-at cube.
    public var resolution = 96
    /// Alpha at or above which a pixel is foreground.
    public var threshold: Float = 0.5
    /// Views that may call a voxel background before it is carved (masks of generated views disagree
    /// at the edges).
    public var tolerance = 2

    public init() {}

    public struct Carving {
        /// Inside flags [z][y][x], the grid's corner and voxel size.
        public var inside: [Bool]
        public var origin: SIMD3<Float>, voxel: Float, resolution: Int

        public func isInside(_ i: Int, _ j: Int, _ k: Int) -> Bool {
            guard (0..<resolution).contains(i), (0..<resolution).contains(j), (0..<resolution).contains(k) else { return false }
            return inside[(k * resolution + j) * resolution + i]
        }

        public func centre(_ i: Int, _ j: Int, _ k: Int) -> SIMD3<Float> {
            origin + voxel * (SIMD3(Float(i), Float(j), Float(k)) + 0.5)
        }

        /// Inside voxels with an outside face neighbour, and their outward normals (the negated
        /// gradient of the inside indicator).
        public func surface() -> [(index: SIMD3<Int>, normal: SIMD3<Float>)] {
            var result: [(SIMD3<Int>, SIMD3<Float>)] = []
            for k in 0..<resolution { for j in 0..<resolution { for i in 0..<resolution where isInside(i, j, k) {
                let steps = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
                guard steps.contains(where: { !isInside(i + $0.0, j + $0.1, k + $0.2) }) else { continue }
                func v(_ a: Int, _ b: Int, _ c: Int) -> Float { isInside(a, b, c) ? 1 : 0 }
                let gradient = SIMD3(v(i + 1, j, k) - v(i - 1, j, k), v(i, j + 1, k) - v(i, j - 1, k), v(i, j, k + 1) - v(i, j, k - 1))
                let length = (gradient * gradient).sum().squareRoot()
                result.append((SIMD3(i, j, k), length > 0 ? -gradient / length : SIMD3(0, 1, 0)))
            } } }
            return result
        }
    }

    /// Carves the look-at cube (centre +- radius) by every view's mask.
    public func carve(_ views: [DatasetView], centre: SIMD3<Float>, radius: Float) -> Carving {
        let n = resolution, voxel = 2 * radius / Float(n), origin = centre - radius
        var misses = [UInt8](repeating: 0, count: n * n * n)
        for view in views {
            let camera = view.camera, (w, h) = (camera.width, camera.height)
            for k in 0..<n { for j in 0..<n { for i in 0..<n {
                let index = (k * n + j) * n + i
                guard Int(misses[index]) <= tolerance else { continue }
                let p = camera.project(origin + voxel * (SIMD3(Float(i), Float(j), Float(k)) + 0.5))
                guard p.depth > 0 else { continue }
                let (x, y) = (Int(p.x.rounded(.down)), Int(p.y.rounded(.down)))
                guard (0..<w).contains(x), (0..<h).contains(y) else { continue }  // a view that does not see it has no say
                if view.alpha[y * w + x] < threshold { misses[index] &+= 1 }
            } } }
        }
        return Carving(inside: misses.map { Int($0) <= tolerance }, origin: origin, voxel: voxel, resolution: n)
    }

    /// About `count` points on the hull's surface (jittered within their voxels), each coloured by the
    /// view whose direction faces its normal best; empty when the masks leave nothing.
    public func surfacePoints(_ views: [DatasetView], count: Int, seed: UInt64) -> (points: [(position: SIMD3<Float>, colour: SIMD3<Float>)], spacing: Float) {
        let (centre, radius) = SplatTrainer.lookAtVolume(views.map(\.camera))
        let carving = carve(views, centre: centre, radius: radius)
        let surface = carving.surface()
        guard !surface.isEmpty, count > 0 else { return ([], 0) }
        var random = SeededGenerator(seed: seed)
        var points: [(position: SIMD3<Float>, colour: SIMD3<Float>)] = []
        points.reserveCapacity(count)
        for n in 0..<count {
            let (index, normal) = surface[n < surface.count && count >= surface.count ? n : Int(random.next() % UInt64(surface.count))]
            let jitter = SIMD3(random.nextUniform(), random.nextUniform(), random.nextUniform()) - 0.5
            let position = carving.centre(index.x, index.y, index.z) + carving.voxel * jitter
            points.append((position, colour(at: position, normal: normal, views: views)))
        }
        // The surface's area is about (voxels on it) x voxel^2; points spread over it that evenly.
        let area = Float(surface.count) * carving.voxel * carving.voxel
        return (points, (area / Float(count)).squareRoot())
    }

    /// The pixel colour of the view that looks at `position` most nearly against `normal`.
    func colour(at position: SIMD3<Float>, normal: SIMD3<Float>, views: [DatasetView]) -> SIMD3<Float> {
        var best: (facing: Float, colour: SIMD3<Float>) = (-2, SIMD3(repeating: 0.5))
        for view in views {
            let toCamera = view.camera.centre - position
            let facing = (toCamera * normal).sum() / max((toCamera * toCamera).sum().squareRoot(), 1e-6)
            guard facing > best.facing else { continue }
            let p = view.camera.project(position), (w, h) = (view.camera.width, view.camera.height)
            let (x, y) = (Int(p.x.rounded(.down)), Int(p.y.rounded(.down)))
            guard p.depth > 0, (0..<w).contains(x), (0..<h).contains(y) else { continue }
            let pixel = (y * w + x) * 3
            best = (facing, SIMD3(view.image.pixels[pixel], view.image.pixels[pixel + 1], view.image.pixels[pixel + 2]))
        }
        return best.colour
    }
}
