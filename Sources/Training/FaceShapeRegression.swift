import Foundation
import Models
import Pipeline
import Synth
import Tensor

/// Fits FaceShapeRegressor: ridge regression from the SFace part of the head prior's conditions (every
/// portrait view of every training sample) to the sample's FaceKit identity weights and expression
/// weights (its parameters.json), the ridge weight chosen per output by cross-validation over subjects
/// (6 folds, whole subjects held out, tested on the first portrait view). Closed form, in Double.
public struct FaceShapeRegression {
    public var lambdas: [Double] = [10, 30, 100, 300, 1000, 3000, 10_000, 100_000]
    public var folds = 6

    public init() {}

    /// One fitted map and how well it predicts held out.
    public struct Map {
        /// weight [K, D], bias [K] in raw embedding units.
        public let weight: Tensor, bias: Tensor
        /// Per output: the ridge weight chosen and its held-out R^2 (NaN for an output that never varies).
        public let lambdas: [Double], heldOutR2: [Double]
        /// Held-out R^2 of all outputs pooled (with each output's chosen lambda).
        public let pooledR2: Double
    }

    public struct Result {
        public let regressor: FaceShapeRegressor
        public let identity: Map
        public let expression: Map?
    }

    /// embeddings [N][V][D] (N samples, V portrait views), identity targets [N][K], expression targets
    /// [N][X] (or none), subject of each sample; `neutralExpression` [1, E] is stored with the maps.
    public func fit(embeddings: [[[Float]]], identity: [[Float]], expression: [[Float]]? = nil, subjects: [Int],
                    neutralExpression: Tensor) -> Result {
        let identityMap = fit(embeddings: embeddings, targets: identity, subjects: subjects)
        let expressionMap = expression.map { fit(embeddings: embeddings, targets: $0, subjects: subjects) }
        let regressor = FaceShapeRegressor(weight: identityMap.weight, bias: identityMap.bias, expressionWeight: expressionMap?.weight,
                                           expressionBias: expressionMap?.bias, neutralExpression: neutralExpression)
        return Result(regressor: regressor, identity: identityMap, expression: expressionMap)
    }

    /// One map from embeddings [N][V][D] to targets [N][K]. Each output gets the lambda that predicts it
    /// best held out (the first, large identity modes take a light ridge; the small ones, which the
    /// embedding hardly tells, a heavy one, near their mean).
    public func fit(embeddings: [[[Float]]], targets: [[Float]], subjects: [Int]) -> Map {
        let folds = Array(Set(subjects)).sorted().enumerated().reduce(into: [Int: Int]()) { $0[$1.element] = $1.offset % self.folds }
        let outputs = targets[0].count
        var errors: [[Double]] = [], base = [Double](repeating: 0, count: outputs)
        for (l, lambda) in lambdas.enumerated() {
            var error = [Double](repeating: 0, count: outputs)
            for fold in 0..<self.folds {
                let train = subjects.indices.filter { folds[subjects[$0]] != fold }, test = subjects.indices.filter { folds[subjects[$0]] == fold }
                guard !train.isEmpty, !test.isEmpty else { continue }
                let map = Self.ridge(embeddings: train.map { embeddings[$0] }, targets: train.map { targets[$0] }, lambda: lambda)
                for i in test {
                    let predicted = map.apply(embeddings[i][0])
                    for k in 0..<outputs {
                        error[k] += pow(predicted[k] - Double(targets[i][k]), 2)
                        if l == 0 { base[k] += pow(map.targetMean[k] - Double(targets[i][k]), 2) }
                    }
                }
            }
            errors.append(error)
        }
        let chosen = (0..<outputs).map { k in lambdas.indices.min { errors[$0][k] < errors[$1][k] }! }
        let maps = Dictionary(uniqueKeysWithValues: Set(chosen).map { ($0, Self.ridge(embeddings: embeddings, targets: targets, lambda: lambdas[$0])) })
        let inputs = embeddings[0][0].count
        var weight = [Float](repeating: 0, count: outputs * inputs), bias = [Float](repeating: 0, count: outputs)
        for k in 0..<outputs {
            let map = maps[chosen[k]]!
            for j in 0..<inputs { weight[k * inputs + j] = Float(map.weight[k * inputs + j]) }
            bias[k] = Float(map.bias[k])
        }
        let best = (0..<outputs).map { errors[chosen[$0]][$0] }
        return Map(weight: Tensor(weight, shape: [outputs, inputs]), bias: Tensor(bias, shape: [outputs]), lambdas: chosen.map { lambdas[$0] },
                   heldOutR2: zip(best, base).map { $1 > 0 ? 1 - $0 / $1 : .nan }, pooledR2: 1 - best.reduce(0, +) / base.reduce(0, +))
    }

    /// A linear map in raw embedding units: y = W x + b (W [K, D] row-major).
    struct LinearMap {
        let inputs: Int, outputs: Int
        let weight: [Double], bias: [Double], targetMean: [Double]
        func apply(_ x: [Float]) -> [Double] {
            (0..<outputs).map { k -> Double in
                var sum = bias[k]
                for j in 0..<inputs { sum += weight[k * inputs + j] * Double(x[j]) }
                return sum
            }
        }
    }

    /// Ridge on standardised inputs (every view a row), folded back to raw units.
    static func ridge(embeddings: [[[Float]]], targets: [[Float]], lambda: Double) -> LinearMap {
        let rows = zip(embeddings, targets).flatMap { views, y in views.map { ($0.map(Double.init), y.map(Double.init)) } }
        let (d, k, n) = (rows[0].0.count, rows[0].1.count, Double(rows.count))
        let mx = (0..<d).map { j in rows.reduce(0) { $0 + $1.0[j] } / n }
        let sx = (0..<d).map { j in (rows.reduce(0) { $0 + pow($1.0[j] - mx[j], 2) } / n).squareRoot() + 1e-6 }
        let my = (0..<k).map { j in rows.reduce(0) { $0 + $1.1[j] } / n }
        var gram = [Double](repeating: 0, count: d * d), cross = [Double](repeating: 0, count: d * k)
        for (x, y) in rows {
            let z = (0..<d).map { (x[$0] - mx[$0]) / sx[$0] }
            for a in 0..<d {
                for b in 0..<d { gram[a * d + b] += z[a] * z[b] }
                for t in 0..<k { cross[a * k + t] += z[a] * (y[t] - my[t]) }
            }
        }
        for a in 0..<d { gram[a * d + a] += lambda }
        let solution = choleskySolve(gram, cross, size: d, columns: k)  // [d, k] on standardised inputs
        var weight = [Double](repeating: 0, count: k * d), bias = my
        for t in 0..<k {
            for j in 0..<d {
                weight[t * d + j] = solution[j * k + t] / sx[j]
                bias[t] -= weight[t * d + j] * mx[j]
            }
        }
        return LinearMap(inputs: d, outputs: k, weight: weight, bias: bias, targetMean: my)
    }

    /// Solves A X = B for a symmetric positive definite A [n, n] and B [n, m] (row-major).
    public static func choleskySolve(_ a: [Double], _ b: [Double], size n: Int, columns m: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for p in 0..<j { s -= l[i * n + p] * l[j * n + p] }
                l[i * n + j] = i == j ? s.squareRoot() : s / l[j * n + j]
            }
        }
        var x = b
        for c in 0..<m {
            for i in 0..<n {  // L y = b
                var s = x[i * m + c]
                for p in 0..<i { s -= l[i * n + p] * x[p * m + c] }
                x[i * m + c] = s / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {  // L^T x = y
                var s = x[i * m + c]
                for p in (i + 1)..<n { s -= l[p * n + i] * x[p * m + c] }
                x[i * m + c] = s / l[i * n + i]
            }
        }
        return x
    }
}

extension FaceShapeRegression {
    /// Fits on an `orbit train nphm` model's training samples: the conditions of their portrait views
    /// (HeadPriorData, read back from the prior's cache `conditions` or built there), their FaceKit
    /// identity weights from the dataset's parameters.json, and their neutral samples' expression codes.
    public func fit(nphm: String, data: String, conditions: String, encoder: HeadConditionEncoder, log: (String) -> Void) throws -> Result {
        let prior = try HeadPriorData.load(nphm: nphm, data: data, cache: conditions, encoder: encoder, log: log)
        let (count, views, width) = (prior.conditions.shape[0], prior.conditions.shape[1], prior.conditions.shape[2])
        let all = prior.conditions.contiguous().toArray(), d = SFace.embeddingSize
        let embeddings = (0..<count).map { i in (0..<views).map { v in Array(all[((i * views + v) * width)..<((i * views + v) * width + d)]) } }
        let parameters = try prior.samples.map { try ImageSetReference(root: data, subject: $0.subject, appearance: $0.appearance).parameters() }
        let identity = parameters.map(\.identity)
        guard Set(identity.map(\.count)).count == 1 else { throw TrainingError("\(data): the samples' identity weights differ in length") }
        let kit = try FaceKit()
        let expression = parameters.map { p in kit.expressionNames.map { p.expression[$0] ?? 0 } }
        let config = try CodableConfigFile.read(NPHMConfiguration.self, from: nphm + "/config.json", what: "an NPHM configuration")
        let expressions = HeadLatentLayout(config).split(prior.latents).expression
        let neutralRows = prior.samples.indices.filter { prior.samples[$0].appearance == 0 }.map(Int32.init)
        guard !neutralRows.isEmpty else { throw TrainingError("\(data): no neutral sample (appearance 0) among the head model's samples") }
        let neutral = expressions.gatherRows(neutralRows).mean(axes: [0], keepDims: true)
        log("face-shape: \(count) samples x \(views) views, \(d)-d embeddings -> \(identity[0].count) FaceKit identity weights and "
            + "\(kit.expressionNames.count) expression weights")
        return fit(embeddings: embeddings, identity: identity, expression: expression, subjects: prior.samples.map(\.subject), neutralExpression: neutral)
    }
}
