// Types for package-graph.mjs, so TypeScript tests can import it.
export interface WorkspacePackage {
  name: string;
  dir: string;
  manifest: { name: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
}
export interface CrossPackageImport {
  file: string;
  line: number;
  specifier: string;
  from: string;
  to: string;
}
export function workspacePackages(root: string): WorkspacePackage[];
export function dependencyEdges(packages: WorkspacePackage[]): Map<string, string[]>;
export function dependencyCycles(packages: WorkspacePackage[]): string[][];
export function crossPackageImports(root: string, packages: WorkspacePackage[]): CrossPackageImport[];
export function checkPackageGraph(root: string): {
  packages: WorkspacePackage[];
  edges: Map<string, string[]>;
  cycles: string[][];
  imports: CrossPackageImport[];
};
