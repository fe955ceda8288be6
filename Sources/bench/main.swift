import Foundation
import Imaging
import Models
import NN
import Pipeline
import Splat
import Synth
import Geometry
import Tensor
import Training

// Orbit's benchmark: `bench --list`, `bench --case NAME [--runs N]`, `bench --all`.
// One JSON line per case: {"case", "ms" (median of the timed runs), "gflops", "runs", "threads"}.
// Tools/bench/compare_torch.py runs the same cases in PyTorch and prints the ratios.

struct BenchCase {
    let name: String
    /// Floating-point operations of one run (for GFLOP/s; nominal for memory-bound cases).
    let flops: Double
    /// Builds inputs once and returns the closure that is timed.
    let prepare: () -> () -> Void
}

let cases: [BenchCase] = [
    BenchCase(name: "matmul_2048", flops: 2 * pow(2048, 3)) {
        let a = Tensor.normal([2048, 2048], seed: 1), b = Tensor.normal([2048, 2048], seed: 2)
        return { _ = a.matmul(b) }
    },
    BenchCase(name: "conv3x3_n16_c128_32x32_fwd", flops: 2 * 16 * 128 * 128 * 9 * 1024) {
        let x = Tensor.normal([16, 128, 32, 32], seed: 1), w = Tensor.normal([128, 128, 3, 3], std: 0.03, seed: 2)
        let b = Tensor.normal([128], seed: 3)
        return { _ = noGrad { x.conv2d(weight: w, bias: b, padding: (1, 1)) } }
    },
    BenchCase(name: "conv3x3_n16_c128_32x32_fwdbwd", flops: 3 * 2 * 16 * 128 * 128 * 9 * 1024) {
        let x = Tensor.normal([16, 128, 32, 32], seed: 1).requiringGrad()
        let w = Tensor.normal([128, 128, 3, 3], std: 0.03, seed: 2).requiringGrad()
        let b = Tensor.normal([128], seed: 3).requiringGrad()
        let g = Tensor.normal([16, 128, 32, 32], seed: 4)
        return {
            x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
            x.conv2d(weight: w, bias: b, padding: (1, 1)).backward(g)
        }
    },
    BenchCase(name: "attention_b16_l1024_d64_fwd", flops: 4 * 16 * 1024 * 1024 * 64) {
        let q = Tensor.normal([16, 1, 1024, 64], seed: 1), k = Tensor.normal([16, 1, 1024, 64], seed: 2)
        let v = Tensor.normal([16, 1, 1024, 64], seed: 3)
        return { _ = noGrad { Tensor.attention(q: q, k: k, v: v) } }
    },
    BenchCase(name: "attention_b16_l1024_d64_fwdbwd", flops: 3.5 * 4 * 16 * 1024 * 1024 * 64) {
        let q = Tensor.normal([16, 1, 1024, 64], seed: 1).requiringGrad(), k = Tensor.normal([16, 1, 1024, 64], seed: 2).requiringGrad()
        let v = Tensor.normal([16, 1, 1024, 64], seed: 3).requiringGrad()
        let g = Tensor.normal([16, 1, 1024, 64], seed: 4)
        return {
            q.zeroGrad(); k.zeroGrad(); v.zeroGrad()
            Tensor.attention(q: q, k: k, v: v).backward(g)
        }
    },
    // LPIPS (AlexNet) between two 512x512 images, forward and the gradient with respect to the
    // first: the splat trainer's perceptual loss. Seeded random weights (timing does not depend
    // on their values). Nominal flops: the backbone's conv MACs at 512x512 (conv1 127x127, conv2
    // 63x63, conv3-5 31x31), x2 flops, x2 images forward plus one input-gradient pass (x3 in all).
    BenchCase(name: "lpips_alex_512_fwdbwd", flops: 3 * 2 * (64 * 3 * 121 * 127 * 127 + 192 * 64 * 25 * 63 * 63
                                                          + 384 * 192 * 9 * 31 * 31 + 256 * 384 * 9 * 31 * 31 + 256 * 256 * 9 * 31 * 31)) {
        let model = try! LPIPS(WeightScope(RandomInitializer(seed: 1)), backbone: .alex)
        model.frozen()  // as LPIPS.pretrained returns it
        let a = Tensor.uniform([1, 3, 512, 512], low: -1, high: 1, seed: 2).requiringGrad()
        let b = Tensor.uniform([1, 3, 512, 512], low: -1, high: 1, seed: 3)
        return {
            a.zeroGrad()
            model(a, b).sum().backward()
        }
    },
    // SFace on one aligned 112x112 crop (seeded random weights; timing does not depend on values).
    // Nominal flops: 2 x 0.23 GMAC.
    BenchCase(name: "sface_112_fwd", flops: 2 * 0.23e9) {
        let model = try! SFace(WeightScope(RandomInitializer(seed: 1)))
        let x = Tensor.uniform([1, 3, 112, 112], low: 0, high: 255, seed: 2)
        return { _ = noGrad { model(x) } }
    },
    // YuNet's network on a 640x640 input (heads only; decoding is negligible). Nominal flops:
    // 2 x 0.15 GMAC.
    BenchCase(name: "yunet_640_fwd", flops: 2 * 0.15e9) {
        let model = try! YuNet(WeightScope(RandomInitializer(seed: 1)))
        let x = Tensor.uniform([1, 3, 640, 640], low: 0, high: 255, seed: 2)
        return { _ = noGrad { model.heads(x) } }
    },
    // A CPU-sized SVD UNet (channels 64-128-256-256, heads 1-2-4-4, 2 layers per block, context
    // 1024 with 2 tokens, 8 frames of 32x32 latents = a 256x256 orbit), one denoising call. Flops
    // are left to the PyTorch side (FlopCounterMode) so the table's GF/s use one count.
    BenchCase(name: "unet_svd_small_f8_32x32_fwd", flops: 0) {
        var config = UNetSpatioTemporalConfig()
        (config.blockChannels, config.heads) = ([64, 128, 256, 256], [1, 2, 4, 4])
        let unet = try! UNetSpatioTemporal(WeightScope(RandomInitializer(seed: 1)), config: config)
        let sample = Tensor.normal([1, 8, 8, 32, 32], seed: 2), context = Tensor.normal([1, 2, 1024], seed: 3)
        let ids = Tensor([0.02, 1.5, 0.7], shape: [1, 3]), t = Tensor([0.5], shape: [1])
        return { _ = noGrad { unet(sample, timestep: t, context: context, addedTimeIds: ids) } }
    },
    // Issue 6's case: Orbit's small UNet (64-128-256 channels, heads 1-2-4, one layer per block,
    // context 1024 with 2 tokens) on one 96-frame orbit of 32x32 latents, one denoising call with
    // the stock added-time ids (three 256-wide sinusoids, so PyTorch runs the identical graph).
    BenchCase(name: "unet_mid_96f_32", flops: 0) {
        var config = UNetSpatioTemporalConfig.small
        config.addedTimeIdWidths = [256, 256, 256]
        let unet = try! UNetSpatioTemporal(WeightScope(RandomInitializer(seed: 1)), config: config)
        let sample = Tensor.normal([1, 96, 8, 32, 32], seed: 2), context = Tensor.normal([1, 2, 1024], seed: 3)
        let ids = Tensor([1e-5, 1.4, 0.7], shape: [1, 3]), t = Tensor([0.5], shape: [1])
        return { _ = noGrad { unet(sample, timestep: t, context: context, addedTimeIds: ids) } }
    },
    // Issue 13's case: one AdamW step of the default generator (orbit-small: UNet, image encoder and
    // identity projection train; the VAE is not involved) at its training batch: 2 samples x 12 frames
    // of 16x16 latents, per-frame camera ids, v-prediction MSE. PyTorch: the same modules from
    // diffusers / transformers (stock 3 x 256 added-time sinusoids; Orbit's 256/512/512 differ only in
    // one small linear layer).
    BenchCase(name: "generator_train_step", flops: 0) {
        let model = try! GeneratorModel.randomlyInitialised(.small, seed: 1)
        let trained = model.unet.parameters + model.imageEncoder.parameters + model.context.parameters
        let optimizer = Adam.adamW(groups: [ParameterGroup(parameters: trained, learningRate: 1e-4, weightDecay: 0.01)])
        let (b, f) = (2, 12)
        let sample = Tensor.normal([b, f, 8, 16, 16], seed: 2), pixels = Tensor.normal([b, 3, 128, 128], seed: 3)
        let identity = Tensor.normal([b, 128], seed: 4), target = Tensor.normal([b, f, 4, 16, 16], seed: 5)
        let ids = Tensor.uniform([b, f, 3], low: 0, high: 3, seed: 6), t = Tensor([0.5, -0.3], shape: [b])
        let positions = Tensor((0..<(b * f)).map { Float($0 * 7 % 96) }, shape: [b, f])
        return {
            optimizer.zeroGrad()
            let context = model.context(image: model.imageEncoder(pixels), identity: identity, keepImage: [1, 1], keepIdentity: [1, 1])
            let v = model.unet(sample, timestep: t, context: context, addedTimeIds: ids, framePositions: positions)
            ((v - target) * (v - target)).mean().backward()
            optimizer.update()
        }
    },
    // Issue 14's cases: the head model (orbit-small NPHM sizes, seeded random weights, anchors spread
    // over the head box): the signed distance of one million points in the box, as meshing asks in
    // batches of 16,384 (nominal flops: the member and deformation networks' MACs x 2); and one
    // auto-decoder training step (4 samples x (1024 near + 256 volume) points with spatial gradients,
    // 256 correspondences each) on synthetic samples.
    BenchCase(name: "nphm_sdf_1m_points", flops: nphmFlopsPerPoint(.orbitSmall) * 1_000_000) {
        let (head, codes) = nphmBenchModel()
        let points = Tensor.uniform([1_000_000, 3], low: -0.7, high: 0.7, seed: 9)
        return {
            noGrad {
                for start in stride(from: 0, to: 1_000_000, by: 16_384) {
                    let n = min(16_384, 1_000_000 - start)
                    _ = head(points: points.slice(axis: 0, start..<(start + n)).reshaped([1, n, 3]), geometry: codes.0, expression: codes.2)
                }
            }
        }
    },
    // `orbit mesh`'s meshing at resolution 256 (coarse grid, full resolution only in cells near the
    // zero level, vertex colours) with the committed head model at its prior's mean latent.
    BenchCase(name: "nphm_mesh_256", flops: 0) {
        guard let directory = HeadModel.defaultDirectory(), let model = try? HeadModel.load(from: directory) else {
            fatalError("nphm_mesh_256 needs the committed Weights/\(HeadModel.defaultName) (run from the checkout)")
        }
        let codes = model.layout.split(model.prior.latentMean.unsqueezed(0))
        return {
            _ = HeadMesher(resolution: 256).mesh(model.head, geometry: codes.geometry, appearance: codes.appearance, expression: codes.expression)
        }
    },
    BenchCase(name: "nphm_train_step", flops: 0) {
        let trainer = try! NPHMTrainer(config: NPHMTrainingConfig(), samples: nphmBenchSamples())
        var step = 0
        return { _ = try! trainer.trainStep(step); step += 1 }
    },
    // Issue 4's cases: one full splat training iteration (render, L1 + SSIM loss, backward, Adam,
    // densification statistics) at 512x512 on a fixed scene of 20k / 100k / 300k Gaussians (SH degree
    // 3, all bands active) seen from the orbit rig; the target is another seeded scene's render.
    splatIteration(gaussians: 20_000),
    splatIteration(gaussians: 100_000),
    splatIteration(gaussians: 300_000),
    // The iteration's stages at 20k on the same scene and view (what "time per stage" reports, and
    // single kernels to A/B): projection + SH + binning + forward raster; L1 + SSIM loss and its
    // gradient; the raster backward, per-Gaussian reduction and projection/SH backward.
    BenchCase(name: "splat_render_512_g20k", flops: 0) {
        let stage = SplatStage(gaussians: 20_000)
        return { _ = stage.render() }
    },
    BenchCase(name: "splat_loss_512", flops: 0) {
        let stage = SplatStage(gaussians: 20_000), rendered = stage.render()
        return { _ = PhotometricLoss().evaluate(rendered: rendered.rgb, target: stage.target, width: SplatStage.size, height: SplatStage.size) }
    },
    BenchCase(name: "splat_backward_512_g20k", flops: 0) {
        let stage = SplatStage(gaussians: 20_000), rendered = stage.render()
        let gradient = PhotometricLoss().evaluate(rendered: rendered.rgb, target: stage.target, width: SplatStage.size, height: SplatStage.size).gradient
        return { _ = Rasterizer.backward(rendered, stage.scene, dRGB: gradient) }
    },
    // Issue 3's synthetic subjects (the ICT-FaceKit model in Data/ict-facekit): building one
    // subject (head, hair grid and polygonisation, bust, accessory, distance structures), and one
    // 512x512 view of it (about 150k triangles, 2x2 supersampling, deferred studio shading).
    BenchCase(name: "synth_subject_build", flops: 0) {
        let builder = SubjectBuilder(kit: benchFaceKit()), parameters = benchSubject()
        return { _ = builder.build(parameters) }
    },
    // A whole orbit: build the subject and render the 96 views at 512x512 (no file output).
    BenchCase(name: "synth_orbit_96_512", flops: 0) {
        let builder = SubjectBuilder(kit: benchFaceKit()), parameters = benchSubject(), lighting = StudioLighting(for: parameters)
        return {
            let mesh = builder.build(parameters).mesh()
            for view in OrbitView.standard {
                let camera = OrbitRig.standard.camera(view, size: 512)
                _ = lighting.image(of: TriangleRasterizer.render(mesh, camera: camera, supersampling: 2), camera: camera)
            }
        }
    },
    BenchCase(name: "synth_view_512", flops: 0) {
        let parameters = benchSubject()
        let mesh = SubjectBuilder(kit: benchFaceKit()).build(parameters).mesh(), lighting = StudioLighting(for: parameters)
        let camera = OrbitRig.standard.camera(OrbitView(elevation: 10, azimuth: 30), size: 512)
        return { _ = lighting.image(of: TriangleRasterizer.render(mesh, camera: camera, supersampling: 2), camera: camera) }
    },
    // Nominal 8 flops per element (two statistics passes and the affine normalisation).
    BenchCase(name: "groupnorm_n16_c128_32x32_fwd", flops: 8 * 16 * 128 * 1024) {
        let x = Tensor.normal([16, 128, 32, 32], seed: 1), g = Tensor.normal([128], seed: 2), b = Tensor.normal([128], seed: 3)
        return { _ = noGrad { x.groupNorm(groups: 32, gamma: g, beta: b, eps: 1e-6) } }
    },
]

func benchFaceKit() -> FaceKit {
    guard let kit = try? FaceKit() else {
        FileHandle.standardError.write("bench: the synth cases need the ICT-FaceKit model at \(FaceKit.defaultPath)\n".data(using: .utf8)!)
        exit(2)
    }
    return kit
}

/// A fixed subject with long hair and glasses (the costliest hair grid, several accessory parts).
func benchSubject() -> HeadParameters {
    var parameters = HeadSampler().sample(seed: 1, expressionPreset: "smile", accessory: .glasses)
    parameters.hair = .longStraight
    return parameters
}

/// A fixed scene for the splat cases: Gaussians uniform in a unit ball, scales shrinking with the
/// count (about 2.5 px wide at 300k), opacities around 0.5, random colours and SH.
func splatScene(_ n: Int, seed: UInt64) -> Gaussians {
    let k = 16
    let directions = Tensor.normal([n, 3], seed: seed).toArray(), radii = Tensor.uniform([n], low: 0, high: 1, seed: seed + 1).toArray()
    var means = [Float](repeating: 0, count: 3 * n)
    for i in 0..<n {
        let d = SIMD3(directions[3 * i], directions[3 * i + 1], directions[3 * i + 2])
        let unit = d / max((d * d).sum().squareRoot(), 1e-6)
        let r = Foundation.cbrt(radii[i])
        for a in 0..<3 { means[3 * i + a] = unit[a] * r }
    }
    let scale = Foundation.log(0.6 * Foundation.cbrt(4.19 / Float(n)))
    return Gaussians(means: means, logScales: Tensor.uniform([3 * n], low: scale - 0.5, high: scale + 0.5, seed: seed + 2).toArray(),
                     quaternions: Tensor.normal([4 * n], seed: seed + 3).toArray(),
                     opacityLogits: Tensor.normal([n], seed: seed + 4).toArray(), shDegree: 3,
                     sh: Tensor.normal([3 * k * n], std: 0.3, seed: seed + 5).toArray())
}

/// The splat cases' fixed view: the orbit rig at 512x512, the scene to fit (seed 1) and its target
/// (another seeded scene's render, seed 100).
struct SplatStage {
    static let size = 512
    let camera: Camera, scene: Gaussians, target: [Float], targetAlpha: [Float]
    init(gaussians n: Int) {
        camera = OrbitRig.standard.camera(OrbitView(elevation: 10, azimuth: 30), size: Self.size)
        scene = splatScene(n, seed: 1)
        let reference = Rasterizer.render(splatScene(n, seed: 100), camera: camera)
        (target, targetAlpha) = (reference.rgb, reference.alpha)
    }
    /// How training renders: no expected depth.
    static var settings: RenderSettings { var s = RenderSettings(); s.expectedDepth = false; return s }
    func render() -> RenderedView { Rasterizer.render(scene, camera: camera, settings: Self.settings) }
}

/// The orbit-small head model with seeded random weights and anchors in the box, and codes [1, *].
func nphmBenchModel() -> (NPHMHead, (Tensor, Tensor, Tensor)) {
    var config = NPHMConfiguration.orbitSmall
    config.anchorVertices = nil
    let head = try! NPHMHead(WeightScope(RandomInitializer(seed: 1)), config: config)
    let anchors = Tensor.uniform([config.anchors, 3], low: -0.5, high: 0.5, seed: 2).toArray()
    head.anchorTemplate.data.update(from: anchors, count: anchors.count)
    let codes = (Tensor.normal([1, config.identityCodeLength], std: 0.02, seed: 3), Tensor.normal([1, config.identityCodeLength], std: 0.02, seed: 4),
                 Tensor.normal([1, config.expressionCode], std: 0.02, seed: 5))
    return (head, codes)
}

/// MACs x 2 per point of the SDF: the deformation MLP, then K + 1 geometry members.
func nphmFlopsPerPoint(_ c: NPHMConfiguration) -> Double {
    let deformation = Double(3 * c.deformationHidden + (c.deformationLayers - 1) * c.deformationHidden * c.deformationHidden
        + (c.deformationHidden + 3) * c.deformationHidden + c.deformationHidden * (3 + c.hyperDimensions))
    let member = Double(c.canonicalDimensions * c.hidden + (c.hiddenLayers - 1) * c.hidden * c.hidden + c.hidden)
    return 2 * (deformation + Double(c.neighbours + 1) * member)
}

/// Eight synthetic samples (two subjects, four appearances) of random points round a sphere of the
/// head's size, for timing the training step.
func nphmBenchSamples() -> [NPHMSample] {
    (0..<8).map { i in
        let near = Tensor.uniform([4096, 3], low: -0.6, high: 0.6, seed: UInt64(10 + i)).toArray()
        let volume = Tensor.uniform([1024, 3], low: -0.7, high: 0.7, seed: UInt64(20 + i)).toArray()
        func sdf(_ p: [Float]) -> [Float] { [SIMD3<Float>](flat: p).map { $0.length - 0.5 } }
        let skin = Tensor.uniform([NPHMData.skinVertices, 3], low: -0.5, high: 0.5, seed: UInt64(30 + i % 2)).toArray()
        return NPHMSample(subject: i % 2, appearance: i / 2, near: near, nearDistance: sdf(near), nearColour: [Float](repeating: 0.2, count: near.count),
                          colourMask: [Float](repeating: 1, count: near.count / 3), volume: volume, volumeDistance: sdf(volume), skin: skin)
    }
}

func splatIteration(gaussians n: Int) -> BenchCase {
    BenchCase(name: "splat_iter_512_g\(n / 1000)k", flops: 0) {
        let stage = SplatStage(gaussians: n), size = SplatStage.size
        let view = DatasetView(name: "target", camera: stage.camera, image: Image(width: size, height: size, channels: 3, pixels: stage.target),
                               alpha: stage.targetAlpha)
        var config = TrainingConfig()
        (config.iterations, config.shInterval, config.refineUntil) = (1_000_000, 1, 0)  // no densification or resets
        let trainer = SplatTrainer(views: [view], config: config, initial: stage.scene)
        for _ in 0..<3 { trainer.trainStep() }  // all SH bands active
        return { trainer.trainStep() }
    }
}

func measure(_ c: BenchCase, runs: Int) -> (median: Double, all: [Double]) {
    let body = c.prepare()
    Storage.resetPeak()  // the peak of the runs: weights and inputs plus what one run allocates
    body()  // warm-up: page faults, first-touch, OpenBLAS buffers
    var times: [Double] = []
    for _ in 0..<runs {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    let sorted = times.sorted()
    return (sorted[sorted.count / 2], times)
}

MallocPolicy.retainFreedMemory()  // as the executables do
let args = Array(CommandLine.arguments.dropFirst())
func value(_ flag: String) -> String? { args.firstIndex(of: flag).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil } }
let runs = max(5, Int(value("--runs") ?? "") ?? 7)

if args.contains("--list") {
    for c in cases { print(c.name) }
    exit(0)
}
if args.isEmpty || args.contains("--help") || args.contains("-h") {
    print("usage: bench --list | --case NAME [--case NAME ...] | --all   [--runs N (>= 5, default 7)]")
    exit(args.isEmpty ? 1 : 0)
}
var selected: [BenchCase] = []
if args.contains("--all") { selected = cases }
for (i, a) in args.enumerated() where a == "--case" && i + 1 < args.count {
    guard let c = cases.first(where: { $0.name == args[i + 1] }) else {
        FileHandle.standardError.write("bench: unknown case '\(args[i + 1])' (see bench --list)\n".data(using: .utf8)!)
        exit(2)
    }
    selected.append(c)
}
for c in selected {
    let (ms, all) = measure(c, runs: runs)
    let gflops = c.flops / (ms * 1e6)
    let runsText = all.map { String(format: "%.3f", $0) }.joined(separator: ",")
    print(String(format: "{\"case\": \"%@\", \"ms\": %.3f, \"min_ms\": %.3f, \"gflops\": %.1f, \"runs_ms\": [%@], \"threads\": %d, \"peak_tensor_mb\": %.1f}",
                 c.name, ms, all.min()!, gflops, runsText, Parallel.threads, Double(Storage.peakBytes) / 1e6))
}

