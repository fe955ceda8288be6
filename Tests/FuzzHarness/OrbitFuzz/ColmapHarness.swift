import Foundation
import Imaging
import Splat

/// A COLMAP project through `ViewsDataset.read(folder:)` (`splat fit P` on `P/sparse/0` + `P/images`:
/// `ColmapModel.read` of cameras, images and points3D, the camera models and their parameter counts,
/// image names confined to images/, undistortion) and, when the views are read, the Gaussians of
/// `splat fit --init points` (`SplatInitialisation.colmapPoints`). One input holds the three files
/// in turn, cameras, images, points3D, separated by `separator` (a missing one is absent; the
/// corpus's seeds are the fixtures' files joined by it). The folder holds images/001.png...003.png,
/// 40x30 like the fixtures' cameras. Views must pass `DatasetViewsCheck`, initial Gaussians must be
/// drawable.
struct ColmapHarness: FuzzHarness {
    enum Layout: String { case text = "txt", binary = "bin" }
    /// What separates the files in an input (bytes, not Data: see `ModelConfigHarness.modelIndex`).
    static let separator = Array("\n--orbit-fuzz-next-file--\n".utf8)
    static let files = ["cameras", "images", "points3D"]

    let layout: Layout
    let scratch: ScratchFolder
    let project: String

    init(_ layout: Layout, scratch: ScratchFolder) throws {
        (self.layout, self.scratch) = (layout, scratch)
        project = scratch.file("project")
        for i in 1...3 {
            let image = Image(width: 40, height: 30, channels: 3, pixels: (0..<3600).map { Float(($0 * i) % 251) / 250 })
            try FileManager.default.createDirectory(atPath: project + "/images", withIntermediateDirectories: true)
            try ImageIO.write(image, to: project + String(format: "/images/%03d.png", i))
        }
    }

    func run(_ input: Data) throws {
        let sections = Self.split(input)
        for (i, name) in Self.files.enumerated() {
            let file = "project/sparse/0/\(name).\(layout.rawValue)"
            if i < sections.count { try scratch.write(sections[i], to: file) } else { scratch.remove(file) }
        }
        let views = try ViewsDataset.read(folder: project)
        DatasetViewsCheck.check(views, readFrom: project)
        var config = TrainingConfig()
        config.shDegree = 1
        if let g = try SplatInitialisation.colmapPoints.gaussians(viewsFolder: project, training: views, config: config), let problem = g.firstProblem() {
            finding("\(project)/sparse/0 gave initial Gaussians the renderer cannot draw: \(problem)")
        }
    }

    /// `input` cut at each `separator`.
    static func split(_ input: Data) -> [Data] {
        var sections: [Data] = [], rest = input[...]
        while let range = rest.range(of: Data(separator)) {
            sections.append(Data(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        return sections + [Data(rest)]
    }

    static func joined(_ files: [Data]) -> Data {
        files.dropFirst().reduce(files[0]) { $0 + Data(separator) + $1 }
    }

    func seeds() throws -> [String: Data] {
        let fixture = try Self.files.map { try SeedCorpus.file("Tests/Fixtures/colmap/\(layout == .text ? "text" : "binary")/sparse/0/\($0).\(layout.rawValue)") }
        var seeds = ["fixture.colmap": Self.joined(fixture), "no-points.colmap": Self.joined(Array(fixture.prefix(2)))]
        switch layout {
        case .text:
            let (cameras, images, points) = (fixture[0], fixture[1], fixture[2])
            seeds["simple-radial.colmap"] = Self.joined([SeedCorpus.replacing("1 PINHOLE 40 30 35 36 20.5 14.5", with: "1 SIMPLE_RADIAL 40 30 35 20 15 0.05", in: cameras), images, points])
            seeds["bad-camera-model.colmap"] = Self.joined([SeedCorpus.replacing("PINHOLE", with: "FISHEYE", in: cameras), images, points])
            seeds["bad-escaping-name.colmap"] = Self.joined([cameras, SeedCorpus.replacing("001.png", with: "../x.png", in: images), points])
            seeds["bad-nan-point.colmap"] = Self.joined([cameras, images, SeedCorpus.replacing("0.55337847035328946", with: "nan", in: points)])
            seeds["bad-negative-size.colmap"] = Self.joined([SeedCorpus.replacing("40 30", with: "-40 30", in: cameras), images, points])
        case .binary:
            let (cameras, images, points) = (fixture[0], fixture[1], fixture[2])
            // Counts the files cannot hold: 2^62 observations of an image, 2^63 cameras.
            var huge = images
            if let name = images.range(of: Data("001.png\0".utf8)) {
                huge = SeedCorpus.patched(images, at: name.upperBound, with: SeedCorpus.littleEndian(UInt64(1) << 62))
            }
            seeds["bad-observation-count.colmap"] = Self.joined([cameras, huge, points])
            seeds["bad-camera-count.colmap"] = Self.joined([SeedCorpus.patched(cameras, at: 0, with: SeedCorpus.littleEndian(UInt64(1) << 63)), images, points])
            seeds["bad-truncated.colmap"] = Self.joined([cameras, images.prefix(images.count - 3), points])
        }
        return seeds
    }
}
