import Foundation
import Geometry
import Imaging
import Tensor

/// The synthetic digital-humans dataset (seed paper 004, section 3.2, made from ICT-FaceKit):
/// subjects, each in `appearances` appearances (expressions in a per-subject order starting neutral,
/// the last with an accessory), each rendered as a 96-view orbit. Layout under the output folder:
///
///     dataset.json                       configuration, splits by subject, units
///     subject_0000/appearance_00/
///         views/000.png ... transforms.json   (a views folder, DESIGN.md)
///         mesh.ply                            every part, orbit units, sRGB vertex colours
///         parameters.json                     everything drawn for this image set
///         sdf.safetensors                     signed distances near the outer surface and in the volume
///
/// Every file is a function of (seed, subject, appearance): same seed, same bytes.
public struct SynthDataset: Sendable {
    public var subjects: Int, appearances: Int, resolution: Int, seed: UInt64
    /// Signed-distance samples per appearance: near the surface (half at 1 mm, half at 5 mm
    /// Gaussian offsets) and uniform in the volume [-1.2, 1.2]^3 (orbit units).
    public var surfaceSamples = 40_000, volumeSamples = 10_000
    public var supersampling = 2
    public var views = OrbitView.standard
    public var rig = OrbitRig()
    public let builder: SubjectBuilder
    public var sampler = HeadSampler()

    public init(kit: FaceKit, subjects: Int, appearances: Int, resolution: Int, seed: UInt64) {
        (self.subjects, self.appearances, self.resolution, self.seed) = (subjects, appearances, resolution, seed)
        builder = SubjectBuilder(kit: kit)
    }

    func generator(_ stream: UInt64, _ index: Int) -> SeededGenerator {
        SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ stream &* 0xBF58_476D_1CE4_E5B9 ^ UInt64(index) &* 0x94D0_49BB_1331_11EB)
    }

    /// The parameters of one image set: the subject's identity, skin, hair and light are shared by its
    /// appearances; appearance a takes the a-th expression of the subject's order (neutral first, then
    /// the other presets shuffled) and the last appearance (of two or more) wears an accessory.
    public func parameters(subject: Int, appearance: Int) -> HeadParameters {
        var rng = generator(1, subject)
        let subjectSeed = rng.next()
        let others = HeadSampler.presets.keys.filter { $0 != "neutral" }.sorted().shuffled(using: &rng)
        let order = ["neutral"] + others
        let accessories = Array(Accessory.allCases.dropFirst())
        let accessory = accessories[Int(rng.next() % UInt64(accessories.count))]
        let last = appearances > 1 && appearance == appearances - 1
        return sampler.sample(seed: subjectSeed, expressionPreset: order[appearance % order.count], accessory: last ? accessory : Accessory.none)
    }

    /// Train, validation and test subjects: a seeded shuffle, a tenth each (at least one each from
    /// three subjects on) for validation and test.
    public var splits: (train: [Int], val: [Int], test: [Int]) {
        var rng = generator(2, 0)
        let order = Array(0..<subjects).shuffled(using: &rng)
        let held = subjects >= 3 ? max(1, Int((Double(subjects) * 0.1).rounded())) : 0
        return (Array(order[(2 * held)...]).sorted(), Array(order[held..<(2 * held)]).sorted(), Array(order[0..<held]).sorted())
    }

    public var configuration: [String: Any] {
        let s = splits
        return ["generator": "orbit synth (ICT-FaceKit light, MIT)", "subjects": subjects, "appearances": appearances,
                "resolution": resolution, "seed": String(seed), "views": views.count,
                "units_per_centimetre": Double("\(SubjectScene.unitsPerCentimetre)") ?? 0,
                "head_centre_cm": [Double(SubjectScene.centre.x), Double(SubjectScene.centre.y), Double(SubjectScene.centre.z)],
                "surface_samples": surfaceSamples, "volume_samples": volumeSamples,
                "splits": ["train": s.train, "val": s.val, "test": s.test]]
    }

    public static func folder(subject: Int, appearance: Int) -> String {
        String(format: "subject_%04d/appearance_%02d", subject, appearance)
    }

    /// The camera of a view at this dataset's resolution.
    public func camera(_ view: OrbitView, size: Int? = nil) -> Camera { rig.camera(view, size: size ?? resolution) }

    /// RGBA views of a scene (alpha: the coverage of head, hair, bust and accessories), each handed to
    /// `body` as it is made; `mesh` is the scene's, when the caller has it already.
    public func render(_ scene: SubjectScene, mesh: Mesh? = nil, views: [OrbitView], size: Int? = nil,
                       _ body: (Int, Image) throws -> Void) rethrows {
        let mesh = mesh ?? scene.mesh(), lighting = StudioLighting(for: scene.parameters)
        for (i, view) in views.enumerated() {
            let camera = camera(view, size: size)
            try body(i, lighting.image(of: TriangleRasterizer.render(mesh, camera: camera, supersampling: supersampling), camera: camera))
        }
    }

    public func render(_ scene: SubjectScene, views: [OrbitView], size: Int? = nil) -> [Image] {
        var images: [Image] = []
        render(scene, views: views, size: size) { images.append($1) }
        return images
    }

    /// Writes one image set into `directory` (which must not exist): staged in a sibling `.partial`
    /// folder and renamed into place when complete.
    public func write(subject: Int, appearance: Int, to directory: String) throws {
        let parameters = parameters(subject: subject, appearance: appearance)
        let scene = builder.build(parameters)
        let staging = directory + ".partial"
        let files = FileManager.default
        try? files.removeItem(atPath: staging)
        try files.createDirectory(atPath: staging + "/views", withIntermediateDirectories: true)
        let mesh = scene.mesh()
        try render(scene, mesh: mesh, views: views) { i, image in try ImageIO.write(image, to: staging + "/views/" + ViewsFolder.fileName(i)) }
        try ViewsFolder.writeTransforms(views: views, rig: rig, size: resolution, into: staging + "/views")
        var positions: [Float] = [], normals: [Float] = [], colours: [Float] = []
        for i in 0..<mesh.vertexCount {
            let a = mesh.attributes[(i * mesh.channels)..<(i * mesh.channels + 9)].map { $0 }
            positions += a[6..<9]
            normals += a[3..<6]
            colours += a[0..<3].map(StudioLighting.encodeSRGB)
        }
        try MeshPLY.encode(positions: positions, normals: normals, colours: colours, triangles: mesh.triangles)
            .write(to: URL(fileURLWithPath: staging + "/mesh.ply"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(parameters).write(to: URL(fileURLWithPath: staging + "/parameters.json"))
        try writeSignedDistances(scene, subject: subject, appearance: appearance, to: staging + "/sdf.safetensors")
        guard rename(staging, directory) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory,
                                                          NSLocalizedDescriptionKey: "cannot rename \(staging) into place"])
        }
    }

    /// Signed distances of the union's outer surface (orbit units, negative inside) at points near it
    /// (area-weighted points on the parts' surfaces that lie on the union's boundary, offset by
    /// Gaussian noise) and uniform in the volume.
    public func signedDistanceSamples(_ scene: SubjectScene, subject: Int, appearance: Int)
        -> (surface: [Float], surfaceDistance: [Float], volume: [Float], volumeDistance: [Float]) {
        var rng = generator(3, subject * 1000 + appearance)
        let outer = scene.outerSurface()
        var areas: [Double] = [], total = 0.0
        for t in stride(from: 0, to: outer.triangles.count, by: 3) {
            let p = (0..<3).map { k in SIMD3(outer.positions[3 * Int(outer.triangles[t + k])], outer.positions[3 * Int(outer.triangles[t + k]) + 1],
                                             outer.positions[3 * Int(outer.triangles[t + k]) + 2]) }
            total += Double((p[1] - p[0]).cross(p[2] - p[0]).length) / 2
            areas.append(total)
        }
        func distances(_ points: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: points.count / 3)
            out.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                parallelFor(points.count / 3, chunk: 256) { begin, end in
                    for i in begin..<end { base[i] = scene.signedDistance(SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2])) }
                }
            }
            return out
        }
        // Points on the parts' surfaces, kept where they are on the union's outer surface (not buried
        // inside another part), then offset.
        var surface = [Float](), volume = [Float]()
        var index = 0
        while surface.count < 3 * surfaceSamples {
            var candidates = [Float]()
            for _ in 0..<max(64, surfaceSamples - surface.count / 3) {
                let target = Double(rng.nextUniform()) * total
                var lo = 0, hi = areas.count - 1
                while lo < hi { let mid = (lo + hi) / 2; if areas[mid] < target { lo = mid + 1 } else { hi = mid } }
                var (r1, r2) = (rng.nextUniform(), rng.nextUniform())
                if r1 + r2 > 1 { (r1, r2) = (1 - r1, 1 - r2) }
                let corners = (0..<3).map { k in Int(outer.triangles[3 * lo + k]) }
                for d in 0..<3 {
                    let (a, b, c) = (outer.positions[3 * corners[0] + d], outer.positions[3 * corners[1] + d], outer.positions[3 * corners[2] + d])
                    candidates.append(a + r1 * (b - a) + r2 * (c - a))
                }
            }
            let onSurface = distances(candidates), tolerance = 0.01 * SubjectScene.unitsPerCentimetre
            for i in 0..<(candidates.count / 3) where onSurface[i] > -tolerance && surface.count < 3 * surfaceSamples {
                let sigma: Float = (index % 2 == 0 ? 0.1 : 0.5) * SubjectScene.unitsPerCentimetre
                surface += candidates[(3 * i)..<(3 * i + 3)].map { $0 + sigma * rng.nextNormal() }
                index += 1
            }
        }
        for _ in 0..<(3 * volumeSamples) { volume.append(-1.2 + 2.4 * rng.nextUniform()) }
        return (surface, distances(surface), volume, distances(volume))
    }
    func writeSignedDistances(_ scene: SubjectScene, subject: Int, appearance: Int, to path: String) throws {
        let s = signedDistanceSamples(scene, subject: subject, appearance: appearance)
        try SafeTensors.write([("surface_points", Tensor(s.surface, shape: [surfaceSamples, 3])),
                               ("surface_sdf", Tensor(s.surfaceDistance, shape: [surfaceSamples])),
                               ("volume_points", Tensor(s.volume, shape: [volumeSamples, 3])),
                               ("volume_sdf", Tensor(s.volumeDistance, shape: [volumeSamples]))],
                              metadata: ["units": "orbit units (\(SubjectScene.unitsPerCentimetre) per cm)", "sign": "negative inside"],
                              to: path)
    }

    /// A contact sheet: `count` random subjects (random expression and accessory) each at the given
    /// azimuths (elevation 10), two subjects a row, over white.
    public func contactSheet(count: Int = 16, azimuths: [Float] = [0, 45, 90, 180], tile: Int = 192) -> Image {
        let perRow = 2, columns = perRow * azimuths.count, rows = (count + perRow - 1) / perRow
        var sheet = Image(width: columns * tile, height: rows * tile, channels: 3, filling: 1)
        for s in 0..<count {
            var rng = generator(4, s)
            let parameters = sampler.sample(seed: rng.next())
            let images = render(builder.build(parameters), views: azimuths.map { OrbitView(elevation: 10, azimuth: $0) }, size: tile)
            for (k, image) in images.enumerated() {
                let rgb = image.compositedRGB()
                let (x0, y0) = (((s % perRow) * azimuths.count + k) * tile, (s / perRow) * tile)
                for y in 0..<tile { for x in 0..<tile { for c in 0..<3 { sheet.pixels[((y0 + y) * sheet.width + x0 + x) * 3 + c] = rgb[x, y, c] } } }
            }
        }
        return sheet
    }
}
