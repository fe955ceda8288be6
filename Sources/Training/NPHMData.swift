import Foundation
import Geometry
import Pipeline
import Tensor

/// One (subject, appearance) of `orbit synth` data as the head model trains on it, in orbit units,
/// cropped to `NPHMData.box`.
public struct NPHMSample: Sendable {
    public let subject: Int, appearance: Int
    /// Points near the surface [n, 3], their signed distances [n], and the colour of the nearest mesh
    /// vertex [n, 3] in [-1, 1] with a mask [n] (1 where a vertex lies within `colourReach`).
    public let near: [Float], nearDistance: [Float], nearColour: [Float], colourMask: [Float]
    /// Uniform points in the box [m, 3] and their signed distances [m].
    public let volume: [Float], volumeDistance: [Float]
    /// The FaceKit skin vertices [V, 3] (the first V vertices of mesh.ply, in FaceKit order): the same
    /// point of the face in every sample, hence anchor targets and expression correspondences.
    public let skin: [Float]

    public init(subject: Int, appearance: Int, near: [Float], nearDistance: [Float], nearColour: [Float], colourMask: [Float],
                volume: [Float], volumeDistance: [Float], skin: [Float]) {
        (self.subject, self.appearance, self.near, self.nearDistance, self.nearColour, self.colourMask) =
            (subject, appearance, near, nearDistance, nearColour, colourMask)
        (self.volume, self.volumeDistance, self.skin) = (volume, volumeDistance, skin)
    }
}

public enum NPHMData {
    /// FaceKit's skin ("face" and "head_and_neck" regions) is its first 11,248 vertices, and `orbit
    /// synth` writes the head's vertices first in mesh.ply.
    public static let skinVertices = 11_248
    public static var box: (lower: SIMD3<Float>, upper: SIMD3<Float>) { HeadModel.box }
    /// Farthest a mesh vertex may lie from a near-surface point to lend it its colour (0.9 cm).
    public static let colourReach: Float = 0.05

    static func inBox(_ p: SIMD3<Float>) -> Bool { all(p .>= box.lower) && all(p .<= box.upper) }

    /// Reads one sample's sdf.safetensors and mesh.ply.
    public static func load(_ set: ImageSetReference) throws -> NPHMSample {
        let sdf = try SafeTensorsFile(path: set.path + "/sdf.safetensors")
        let meshPath = set.path + "/mesh.ply"
        guard let meshData = FileManager.default.contents(atPath: meshPath) else { throw TrainingError("\(meshPath): cannot read the file") }
        let mesh = try MeshPLY.decode(meshData, file: meshPath)
        guard mesh.positions.count >= 3 * skinVertices else {
            throw TrainingError("\(meshPath): \(mesh.positions.count / 3) vertices, fewer than FaceKit's \(skinVertices) skin vertices")
        }
        let surface = try sdf.tensor("surface_points").toArray(), surfaceDistance = try sdf.tensor("surface_sdf").toArray()
        let volumePoints = try sdf.tensor("volume_points").toArray(), volumeDistances = try sdf.tensor("volume_sdf").toArray()
        let lookup = NearestVertex(positions: mesh.positions, cell: colourReach)
        var near: [Float] = [], nearDistance: [Float] = [], colour: [Float] = [], mask: [Float] = []
        for i in 0..<surfaceDistance.count {
            let p = SIMD3(surface[3 * i], surface[3 * i + 1], surface[3 * i + 2])
            guard inBox(p) else { continue }
            near += [p.x, p.y, p.z]
            nearDistance.append(surfaceDistance[i])
            if let v = lookup.nearest(to: p, within: colourReach) {
                colour += (0..<3).map { mesh.colours[3 * v + $0] * 2 - 1 }
                mask.append(1)
            } else {
                colour += [0, 0, 0]
                mask.append(0)
            }
        }
        var volume: [Float] = [], volumeDistance: [Float] = []
        for i in 0..<volumeDistances.count {
            let p = SIMD3(volumePoints[3 * i], volumePoints[3 * i + 1], volumePoints[3 * i + 2])
            guard inBox(p) else { continue }
            volume += [p.x, p.y, p.z]
            volumeDistance.append(volumeDistances[i])
        }
        return NPHMSample(subject: set.subject, appearance: set.appearance, near: near, nearDistance: nearDistance, nearColour: colour,
                          colourMask: mask, volume: volume, volumeDistance: volumeDistance, skin: Array(mesh.positions[0..<(3 * skinVertices)]))
    }

    /// Every sample of a split, read in parallel; progress(done, total).
    public static func load(data: String, split: String, progress: (Int, Int) -> Void) throws -> [NPHMSample] {
        let sets = try SynthImageSets(root: data).imageSets(split: split)
        guard !sets.isEmpty else { throw TrainingError("\(data): no samples in the \(split) split") }
        var samples = [NPHMSample?](repeating: nil, count: sets.count), failure: Error?
        let lock = NSLock()
        var done = 0
        parallelFor(sets.count) { lo, hi in
            for i in lo..<hi {
                do {
                    let sample = try load(sets[i])
                    lock.lock(); samples[i] = sample; done += 1; lock.unlock()
                } catch {
                    lock.lock(); failure = failure ?? error; lock.unlock()
                }
            }
        }
        if let failure { throw failure }
        progress(done, sets.count)
        return samples.map { $0! }
    }
}

/// Nearest mesh vertex by a uniform grid of cells as wide as the search radius.
struct NearestVertex {
    let positions: [Float], cell: Float
    var buckets: [SIMD3<Int32>: [Int32]] = [:]

    init(positions: [Float], cell: Float) {
        (self.positions, self.cell) = (positions, cell)
        for v in 0..<(positions.count / 3) { buckets[key(SIMD3(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2])), default: []].append(Int32(v)) }
    }

    func key(_ p: SIMD3<Float>) -> SIMD3<Int32> {
        let q = (p / cell).rounded(.down)
        return SIMD3(Int32(q.x), Int32(q.y), Int32(q.z))
    }

    func nearest(to p: SIMD3<Float>, within radius: Float) -> Int? {
        let centre = key(p)
        var best: Int?, bestDistance = radius * radius
        for dz in Int32(-1)...1 { for dy in Int32(-1)...1 { for dx in Int32(-1)...1 {
            for v in buckets[centre &+ SIMD3(dx, dy, dz)] ?? [] {
                let i = Int(v), d = SIMD3(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]) - p
                let squared = (d * d).sum()
                if squared <= bestDistance { (best, bestDistance) = (i, squared) }
            }
        } } }
        return best
    }
}
