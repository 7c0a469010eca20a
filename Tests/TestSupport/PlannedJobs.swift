import Targets
import Backends

extension SlurmSubmitter {
    /// Jobs for steps as a plan has them, without a state: what the engine would hand the SLURM
    /// backend, for tests of the planner and the submission folder.
    public static func jobs(for steps: [Int32], in graph: Graph) -> [StepJob] {
        steps.map { step in
            let s = Int(step)
            return StepJob(step: step, name: graph.name(s), rule: graph.rule(of: s).name, command: RecipeText.expand(step: s, in: graph),
                           inputs: graph.inputs(of: s), outputs: graph.outputs(of: s), logPath: Builder.logPath(of: s, in: graph),
                           resources: graph.rule(of: s).resources)
        }
    }
}
