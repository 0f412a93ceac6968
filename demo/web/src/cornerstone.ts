/**
 * Cornerstone3D set-up for the workstation: core, tools and the DICOM image loader (its decoder in a web
 * worker), CPU rendering where there is no WebGL (headless Chromium) or when the page asks (`?cpu`), and the
 * tool group of the viewer: window/level, zoom, pan, stack scroll, Length and EllipticalROI.
 */
import { init as coreInit, setUseCPURendering } from '@cornerstonejs/core';
import { init as dicomImageLoaderInit } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  EllipticalROITool,
  Enums as ToolEnums,
  init as toolsInit,
  LengthTool,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { glMatrix } from 'gl-matrix';

export const TOOL_GROUP_ID = 'workstation-tools';
/** The tools a toolbar button can put on the left mouse button. */
export const PRIMARY_TOOLS = [
  { name: WindowLevelTool.toolName, label: 'Window/level' },
  { name: ZoomTool.toolName, label: 'Zoom' },
  { name: PanTool.toolName, label: 'Pan' },
  { name: LengthTool.toolName, label: 'Length' },
  { name: EllipticalROITool.toolName, label: 'Ellipse' },
] as const;

let started: Promise<{ cpu: boolean }> | undefined;

function hasWebGl2(): boolean {
  try {
    return !!document.createElement('canvas').getContext('webgl2');
  } catch {
    return false;
  }
}

/** Initialises Cornerstone once; resolves with whether it renders on the CPU. */
export function startCornerstone(): Promise<{ cpu: boolean }> {
  started ??= (async () => {
    // Doubles, not Float32Array, for world ↔ image coordinates (docs/imaging.md, Cornerstone limitations).
    glMatrix.setMatrixArrayType(Array);
    const cpu = new URLSearchParams(location.search).has('cpu') || !hasWebGl2();
    await coreInit();
    if (cpu) setUseCPURendering(true);
    toolsInit();
    dicomImageLoaderInit({ maxWebWorkers: 1 });
    for (const tool of [WindowLevelTool, ZoomTool, PanTool, StackScrollTool, LengthTool, EllipticalROITool]) addTool(tool);
    const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
    if (!group) throw new Error('could not create the tool group');
    for (const tool of [WindowLevelTool, ZoomTool, PanTool, StackScrollTool, LengthTool, EllipticalROITool]) group.addTool(tool.toolName);
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
    group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
    group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
    selectPrimaryTool(WindowLevelTool.toolName);
    return { cpu };
  })();
  return started;
}

/** Puts `toolName` on the left mouse button; the drawing tools not selected stay passive (their handles can still be dragged). */
export function selectPrimaryTool(toolName: string): void {
  const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
  if (!group) return;
  // Passive takes the left button off a tool and keeps its other buttons (zoom on the right, pan on the middle).
  for (const { name } of PRIMARY_TOOLS) if (name !== toolName) group.setToolPassive(name);
  group.setToolActive(toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
}
