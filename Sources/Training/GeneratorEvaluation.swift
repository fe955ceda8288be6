import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// `orbit evaluate generator`: held-out image sets, the front view at 0 degrees elevation as input,
/// the other 95 views generated and compared with the ground truth (PSNR and SSIM on [0, 1] as
/// scikit-image defines them, `ImageMetrics.scikitSSIM`; LPIPS AlexNet; identity = SFace cosine of the faces detected in both
/// views), averaged per elevation ring and overall. The same numbers for two baselines: the input
/// copied to every view, and the per-view mean of the training orbits.
public struct GeneratorEvaluation {
    public struct Metrics: Sendable {
        public var psnr = 0.0, ssim = 0.0, lpips = 0.0, identity = 0.0
        public var views = 0, identityViews = 0

        mutating func add(_ other: Metrics) {
            (psnr, ssim, lpips, identity) = (psnr + other.psnr, ssim + other.ssim, lpips + other.lpips, identity + other.identity)
            (views, identityViews) = (views + other.views, identityViews + other.identityViews)
        }

        public var json: [String: Any] {
            let n = Double(max(views, 1))
            return ["psnr": psnr / n, "ssim": ssim / n, "lpips": lpips / n, "views": views,
                    "identity": identityViews > 0 ? identity / Double(identityViews) : NSNull(), "identity_views": identityViews]
        }
    }

    /// Per method: the sum over every evaluated view, and per ring (elevation in degrees).
    public struct MethodResult {
        public var overall = Metrics()
        public var rings: [Int: Metrics] = [:]
        public var json: [String: Any] {
            ["overall": overall.json, "rings": Dictionary(uniqueKeysWithValues: rings.map { ("\($0.key)", $0.value.json) })]
        }
    }

    public static let inputView = 16
    public static let methods = ["generator", "input_copy", "training_mean"]

    public let model: GeneratorModel
    public var settings = GenerationSettings()
    let lpips: LPIPS
    let faces: FaceAnalysis
    /// The metric's identity network (the pretrained SFace, whatever the model was trained with).
    let sface: SFace
    /// What embeds the input's face for the model's identity token (the model's own encoder).
    let identityEncoder: SFace?

    public init(model: GeneratorModel) throws {
        self.model = model
        lpips = try LPIPS.pretrained(.alex)
        faces = try FaceAnalysis.pretrained()
        sface = try SFace.pretrained()
        identityEncoder = model.configuration.identityDim == nil ? nil : try model.configuration.identityEncoder.load()
    }

    /// The mean-orbit baseline: the mean image of each of the 96 views over some training sets, RGB
    /// in [0, 1], and the faces found in it (the same for every evaluated set, so found once).
    public struct TrainingMean {
        public let views: [Tensor]
        let identities: [Tensor?]
    }

    public func trainingMean(_ sets: [ImageSetReference]) throws -> TrainingMean {
        guard !sets.isEmpty else { throw TrainingError("no training image sets for the mean-orbit baseline") }
        let views = try (0..<96).map { v in
            var sum: Tensor?
            for set in sets {
                let view = (try set.view(v) + 1) * 0.5
                sum = sum.map { $0 + view } ?? view
            }
            return sum! / Float(sets.count)
        }
        return TrainingMean(views: views, identities: views.map(identity))
    }

    /// Evaluates one set: generates its orbit from the input view (`generated` receives the views),
    /// and scores the three methods.
    public func evaluate(_ set: ImageSetReference, trainingMean: TrainingMean, generated: (([Image]) throws -> Void)? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> [String: MethodResult] {
        let truth = try (0..<96).map { (try set.view($0) + 1) * 0.5 }                // [3, R, R] in [0, 1]
        let input = Image(tensor: truth[Self.inputView])
        let prepared = PreparedPortrait(input, resolution: model.configuration.resolution, faces: nil)
        var conditions = model.conditions(for: prepared, identityEncoder: nil, settings: settings)
        if let identityEncoder, let face = faces.analyse(input) {
            conditions = GeneratorConditions(imageEmbedding: conditions.imageEmbedding,
                                             identity: FaceAnalysis.embedding(face.aligned, model: identityEncoder), latent: conditions.latent)
        }
        let latents = model.sampleOrbit(conditions, views: OrbitView.standard, settings: settings) { progress?($0.done, settings.steps) }
        let views = model.decodeViews(latents, chunk: settings.decodeChunk)
        try generated?(views)
        let generatedViews = views.map { $0.tensor() }
        let candidates: [String: [Tensor]] = [
            "generator": generatedViews, "input_copy": Array(repeating: truth[Self.inputView], count: 96),
            "training_mean": trainingMean.views,
        ]
        let truthIdentity = truth.map(identity)
        // The faces each method shows; found only where the ground truth shows one.
        let candidateIdentity: [String: (Int) -> Tensor?] = [
            "generator": { self.identity(generatedViews[$0]) }, "input_copy": { _ in truthIdentity[Self.inputView] },
            "training_mean": { trainingMean.identities[$0] },
        ]
        var results: [String: MethodResult] = [:]
        for (name, images) in candidates {
            var result = MethodResult()
            for v in 0..<96 where v != Self.inputView {
                var m = Metrics()
                m.views = 1
                m.psnr = ImageMetrics.psnr(images[v], truth[v])
                m.ssim = Double(noGrad { ImageMetrics.scikitSSIM(images[v], truth[v]) }.item())
                m.lpips = Double(noGrad { lpips((images[v] * 2 - 1).unsqueezed(0), (truth[v] * 2 - 1).unsqueezed(0)) }.item())
                if let reference = truthIdentity[v] {
                    // A face the ground truth shows but the candidate lacks counts as similarity 0.
                    let candidate = candidateIdentity[name]!(v)
                    m.identity = candidate.map { Double(1 - identityDistance($0, reference).item()) } ?? 0
                    m.identityViews = 1
                }
                result.overall.add(m)
                result.rings[Int(OrbitView.standard[v].elevation), default: Metrics()].add(m)
            }
            results[name] = result
        }
        return results
    }

    /// The SFace embedding [1, 128] of the face detected in an RGB [3, H, W] image in [0, 1], nil without one.
    func identity(_ image: Tensor) -> Tensor? {
        faces.analyse(Image(tensor: image)).map { FaceAnalysis.embedding($0.aligned, model: sface) }
    }
}

extension GeneratorEvaluation {
    /// Runs `evaluate` over held-out sets and sums the results; with `sheets`, writes per set a PNG of
    /// the ground truth (top) and generated (bottom) views: the input, then the 0-degree ring every
    /// 45 degrees and the 30-degree ring every 90 degrees.
    public func run(sets: [ImageSetReference], trainingSets: [ImageSetReference], sheets: String?,
                    log: (String) -> Void) throws -> [String: MethodResult] {
        let stride = max(1, trainingSets.count / 100)
        let mean = try trainingMean(Swift.stride(from: 0, to: trainingSets.count, by: stride).map { trainingSets[$0] })
        if let sheets { try FileManager.default.createDirectory(atPath: sheets, withIntermediateDirectories: true) }
        var totals: [String: MethodResult] = [:]
        let started = Date()
        for (i, set) in sets.enumerated() {
            let results = try evaluate(set, trainingMean: mean, generated: { views in
                guard let sheets else { return }
                let shown = [Self.inputView] + Array(Swift.stride(from: 16, to: 32, by: 2)) + [64, 68, 72, 76]
                let truth = Tensor.concat(try shown.map { try set.view($0).unsqueezed(0) }, axis: 0)
                let made = Tensor.concat(shown.map { ($0 == Self.inputView ? try! set.view($0) : views[$0].tensor() * 2 - 1).unsqueezed(0) },
                                         axis: 0)
                try ImageIO.write(ImageGrid.sheet(rows: [truth, made]), to: "\(sheets)/\(set.name).png")
            })
            for (name, r) in results {
                var total = totals[name] ?? MethodResult()
                total.overall.add(r.overall)
                for (ring, m) in r.rings { total.rings[ring, default: Metrics()].add(m) }
                totals[name] = total
            }
            let g = results["generator"]!.overall.json
            log(String(format: "evaluate %d/%d %@: PSNR %.2f SSIM %.3f LPIPS %.3f (%.0f s so far)", i + 1, sets.count, set.name,
                       g["psnr"] as! Double, g["ssim"] as! Double, g["lpips"] as! Double, Date().timeIntervalSince(started)))
        }
        return totals
    }
}
