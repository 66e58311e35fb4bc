"""Amodal silhouettes of many objects in one draw: one bit of an RGBA8 pixel per object, OR-ed together, read
back only inside each object's pixel box.

A mask here is the same set of pixels as a segmentation pass of the object alone (``Renderer.render(...,
rgb=False)``): the same vertex shader arithmetic and uniforms, the full-frame viewport, back faces culled, and a
fragment counts where its depth is below the cleared 1.0, and the same framebuffer kind: OSMesa's own buffer
(a framebuffer object there rasterises edge pixels differently), a framebuffer object elsewhere. Depth is tested
but never written, so objects drawn in one pass do not hide each other.
"""
from __future__ import annotations

import ctypes

import numpy as np

BITS = 32  # objects per pass: the bits of an RGBA8 pixel

# The body of pyrender's segmentation.vert, so that positions round exactly as in a segmentation pass.
_VERTEX = """#version 330 core
layout(location = 0) in vec3 position;
uniform mat4 P;
uniform mat4 V;
uniform mat4 M;
uniform mat4 inst_m;
void main()
{
    mat4 light_matrix = P * V;
    gl_Position = light_matrix * M * inst_m * vec4(position, 1.0);
}
"""
_FRAGMENT = """#version 330 core
uniform vec4 bit;
out vec4 frag_color;
void main()
{
    frag_color = bit;
}
"""


def _compile(gl, source: str, kind) -> int:
    shader = gl.glCreateShader(kind)
    gl.glShaderSource(shader, source)
    gl.glCompileShader(shader)
    if not gl.glGetShaderiv(shader, gl.GL_COMPILE_STATUS):
        raise RuntimeError(f"coverage shader: {gl.glGetShaderInfoLog(shader)}")
    return shader


class Coverage:
    """GL objects for coverage passes, created in the current context on first use and kept."""

    def __init__(self, own_framebuffer: bool):
        from OpenGL import GL

        self._gl = GL
        self._program = None
        self._own_framebuffer = own_framebuffer
        self._size = None
        self._framebuffer = 0

    def _setup(self, width: int, height: int) -> None:
        gl = self._gl
        if self._program is None:
            shaders = [_compile(gl, _VERTEX, gl.GL_VERTEX_SHADER), _compile(gl, _FRAGMENT, gl.GL_FRAGMENT_SHADER)]
            program = gl.glCreateProgram()
            for shader in shaders:
                gl.glAttachShader(program, shader)
            gl.glLinkProgram(program)
            if not gl.glGetProgramiv(program, gl.GL_LINK_STATUS):
                raise RuntimeError(f"coverage program: {gl.glGetProgramInfoLog(program)}")
            for shader in shaders:
                gl.glDeleteShader(shader)
            self._program = program
            self._uniforms = {name: gl.glGetUniformLocation(program, name) for name in ("P", "V", "M", "inst_m", "bit")}
            self._vao = gl.glGenVertexArrays(1)
            self._buffers = gl.glGenBuffers(2)
        if self._own_framebuffer and self._size != (width, height):
            if self._size is not None:
                gl.glDeleteFramebuffers(1, [self._framebuffer])
                gl.glDeleteRenderbuffers(2, self._renderbuffers)
            self._renderbuffers = gl.glGenRenderbuffers(2)
            for renderbuffer, storage in zip(self._renderbuffers, (gl.GL_RGBA8, gl.GL_DEPTH_COMPONENT24)):
                gl.glBindRenderbuffer(gl.GL_RENDERBUFFER, renderbuffer)
                gl.glRenderbufferStorage(gl.GL_RENDERBUFFER, storage, width, height)
            self._framebuffer = gl.glGenFramebuffers(1)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._framebuffer)
            for attachment, renderbuffer in zip((gl.GL_COLOR_ATTACHMENT0, gl.GL_DEPTH_ATTACHMENT), self._renderbuffers):
                gl.glFramebufferRenderbuffer(gl.GL_FRAMEBUFFER, attachment, gl.GL_RENDERBUFFER, renderbuffer)
            self._size = (width, height)

    def close(self) -> None:
        """Free the GL objects; the context must be current."""
        gl = self._gl
        if self._program is not None:
            gl.glDeleteProgram(self._program)
            gl.glDeleteVertexArrays(1, [self._vao])
            gl.glDeleteBuffers(2, self._buffers)
            self._program = None
        if self._size is not None:
            gl.glDeleteFramebuffers(1, [self._framebuffer])
            gl.glDeleteRenderbuffers(2, self._renderbuffers)
            self._size, self._framebuffer = None, 0

    def masks(self, view: np.ndarray, projection: np.ndarray, width: int, height: int,
              objects: list[tuple[np.ndarray, np.ndarray]], boxes: list[tuple[int, int, int, int]]) -> list[np.ndarray]:
        """For each object (world vertices (N, 3) float32, faces (M, 3)), its silhouette inside its box (x0, y0,
        x1, y1) as a (y1 - y0, x1 - x0) bool array. ``view`` and ``projection`` are the 4x4 matrices pyrender
        would use. The context must be current."""
        gl = self._gl
        self._setup(width, height)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._framebuffer)
        gl.glViewport(0, 0, width, height)
        gl.glDisable(gl.GL_SCISSOR_TEST)
        gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_MULTISAMPLE)
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_LESS)
        gl.glDepthRange(0.0, 1.0)
        gl.glEnable(gl.GL_CULL_FACE)
        gl.glCullFace(gl.GL_BACK)
        gl.glFrontFace(gl.GL_CCW)
        gl.glPolygonMode(gl.GL_FRONT_AND_BACK, gl.GL_FILL)
        gl.glColorMask(True, True, True, True)
        gl.glUseProgram(self._program)
        identity = np.eye(4, dtype=np.float32)
        for name, matrix in (("P", projection), ("V", view), ("M", identity), ("inst_m", identity)):
            gl.glUniformMatrix4fv(self._uniforms[name], 1, gl.GL_TRUE, np.asarray(matrix, dtype=np.float32))
        gl.glBindVertexArray(self._vao)
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        result = []
        try:
            for start in range(0, len(objects), BITS):
                result += self._pass(objects[start:start + BITS], boxes[start:start + BITS], height)
        finally:
            gl.glDepthMask(True)
            gl.glDisable(gl.GL_COLOR_LOGIC_OP)
            gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 4)
            gl.glBindVertexArray(0)
            gl.glUseProgram(0)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
        return result

    def _pass(self, objects, boxes, height: int) -> list[np.ndarray]:
        gl = self._gl
        vertices = np.concatenate([v for v, _ in objects]).astype(np.float32, copy=False)
        offsets = np.cumsum([0] + [len(v) for v, _ in objects[:-1]])
        faces = np.concatenate([f + o for (_, f), o in zip(objects, offsets)]).astype(np.uint32)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self._buffers[0])
        gl.glBufferData(gl.GL_ARRAY_BUFFER, vertices.nbytes, vertices, gl.GL_STREAM_DRAW)
        gl.glEnableVertexAttribArray(0)
        gl.glVertexAttribPointer(0, 3, gl.GL_FLOAT, gl.GL_FALSE, 12, ctypes.c_void_p(0))
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, self._buffers[1])
        gl.glBufferData(gl.GL_ELEMENT_ARRAY_BUFFER, faces.nbytes, faces, gl.GL_STREAM_DRAW)
        gl.glDepthMask(True)
        gl.glDisable(gl.GL_COLOR_LOGIC_OP)
        gl.glClearColor(0.0, 0.0, 0.0, 0.0)
        gl.glClearDepth(1.0)
        gl.glClear(gl.GL_COLOR_BUFFER_BIT | gl.GL_DEPTH_BUFFER_BIT)
        gl.glDepthMask(False)
        gl.glEnable(gl.GL_COLOR_LOGIC_OP)
        gl.glLogicOp(gl.GL_OR)
        first = 0
        for bit, (_, object_faces) in enumerate(objects):
            colour = [0.0] * 4
            colour[bit // 8] = (1 << (bit % 8)) / 255.0
            gl.glUniform4f(self._uniforms["bit"], *colour)
            gl.glDrawElements(gl.GL_TRIANGLES, object_faces.size, gl.GL_UNSIGNED_INT, ctypes.c_void_p(4 * first))
            first += object_faces.size
        channels = (gl.GL_RED, gl.GL_GREEN, gl.GL_BLUE, gl.GL_ALPHA)
        masks = []
        for bit, (x0, y0, x1, y1) in enumerate(boxes):
            data = gl.glReadPixels(x0, height - y1, x1 - x0, y1 - y0, channels[bit // 8], gl.GL_UNSIGNED_BYTE)
            pixels = np.frombuffer(data, dtype=np.uint8).reshape(y1 - y0, x1 - x0)[::-1]
            masks.append((pixels & (1 << (bit % 8))) != 0)
        return masks
