// expect: Datafile:4: error: rule LP declares 16 tasks, so dbuild already starts its recipe under the MPI launcher
// expect: the recipe starts mpirun itself: 16 launchers of 16 ranks each. Remove mpirun from the recipe
import Rules
Rule("LP", over: ["m": ["a", "b"]]) { s in
    s.outputs = ["lp/\(s.m).dat"]
    s.recipe = "module load openmpi && OMP_NUM_THREADS=1 mpirun -np 16 ./lensplanes --model {m} > {output}"
}
.resources(nodes: 2, tasksPerNode: 8)
