/// What every recipe is told about itself, wherever it runs (here or in an array task).
public enum RecipeEnvironment {
    /// `DBUILD_STEP` (the step's name) and `DBUILD_RULE` set in `environment`.
    public static func name(step: String, rule: String, in environment: inout [String: String]) {
        environment["DBUILD_STEP"] = step
        environment["DBUILD_RULE"] = rule
    }
}
