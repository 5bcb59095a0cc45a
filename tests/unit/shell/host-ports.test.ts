import { describe, expect, it, vi } from 'vitest'
import type { HostState } from '../../../src/main/host/protocol'
import { HOST_PORT_CHANNEL, HOST_PORT_REQUEST, HOST_STATE_CHANNEL } from '../../../src/main/host/protocol'
import { createSenderCheck } from '../../../src/main/shell/ipc'
import { registerHostPorts } from '../../../src/main/shell/host-ports'

// host-ports.ts only needs electron's types: every Electron object is passed in as a double.
vi.mock('electron', () => ({}))

const APP = 'app://guichet'

interface FrameDouble {
  url: string
  parent: FrameDouble | null
}

function setup(initial: HostState = 'starting') {
  const mainFrame: FrameDouble = { url: 'app://guichet/index.html#/familles', parent: null }
  const posted: Array<{ channel: string; transfer?: unknown[] }> = []
  const sent: unknown[][] = []
  const win = {
    destroyed: false,
    isDestroyed: () => win.destroyed,
    webContents: {
      mainFrame,
      postMessage: (channel: string, _message: unknown, transfer?: unknown[]) => posted.push({ channel, transfer }),
      send: (channel: string, ...args: unknown[]) => sent.push([channel, ...args]),
    },
  }
  let request: ((event: { senderFrame: unknown }) => void) | undefined
  const ipcMain = { on: vi.fn((_c: string, l: typeof request) => (request = l)), removeListener: vi.fn() }
  const channels: Array<{ port1: { close: ReturnType<typeof vi.fn> }; port2: { close: ReturnType<typeof vi.fn> } }> = []
  let state: HostState = initial
  const stateListeners: Array<(s: HostState) => void> = []
  const host = {
    connect: vi.fn(() => state === 'starting' || state === 'ready'),
    state: () => state,
    onState: (l: (s: HostState) => void) => {
      stateListeners.push(l)
      return () => undefined
    },
  }
  const dispose = registerHostPorts({
    ipcMain: ipcMain as never,
    createChannel: () => {
      const channel = { port1: { close: vi.fn() }, port2: { close: vi.fn() } }
      channels.push(channel)
      return channel
    },
    host,
    getWindow: () => win as never,
    isTrustedSender: createSenderCheck(() => win as never, APP),
  })
  const emit = (s: HostState) => {
    state = s
    for (const l of stateListeners) l(s)
  }
  return { mainFrame, win, posted, sent, channels, host, ipcMain, dispose, emit, ask: (frame: unknown) => request!({ senderFrame: frame }) }
}

describe('registerHostPorts: the main process only brokers the core host port', () => {
  it('listens on the port-request channel only, and can stop listening', () => {
    const s = setup()
    expect(s.ipcMain.on).toHaveBeenCalledExactlyOnceWith(HOST_PORT_REQUEST, expect.any(Function))
    s.dispose()
    expect(s.ipcMain.removeListener).toHaveBeenCalledWith(HOST_PORT_REQUEST, expect.any(Function))
  })

  it('our window main frame gets one end of a new channel, the host the other', () => {
    const s = setup()
    s.ask(s.mainFrame)
    expect(s.channels).toHaveLength(1)
    expect(s.host.connect).toHaveBeenCalledExactlyOnceWith(s.channels[0]!.port1)
    expect(s.posted).toEqual([{ channel: HOST_PORT_CHANNEL, transfer: [s.channels[0]!.port2] }])
  })

  describe('refuses a foreign sender: no channel, no port', () => {
    const cases: Array<[string, (s: ReturnType<typeof setup>) => unknown]> = [
      ['no frame (null)', () => null],
      ['no frame (undefined)', () => undefined],
      ['a sub-frame of the window, even of the app origin', (s) => ({ url: 'app://guichet/index.html', parent: s.mainFrame })],
      ['the main frame of another window', () => ({ url: 'app://guichet/index.html', parent: null })],
      [
        'the window main frame once navigated to another origin',
        (s) => {
          s.mainFrame.url = 'https://evil.example/'
          return s.mainFrame
        },
      ],
      [
        'the window main frame showing a file: page',
        (s) => {
          s.mainFrame.url = 'file:///tmp/index.html'
          return s.mainFrame
        },
      ],
      [
        'the main frame of a destroyed window',
        (s) => {
          s.win.destroyed = true
          return s.mainFrame
        },
      ],
    ]
    it.each(cases)('%s', (_label, frameOf) => {
      const s = setup()
      s.ask(frameOf(s))
      expect(s.channels).toHaveLength(0)
      expect(s.host.connect).not.toHaveBeenCalled()
      expect(s.posted).toHaveLength(0)
    })
  })

  it('a host that is down: the window is told its state instead of getting a port', () => {
    const s = setup('restarting')
    s.ask(s.mainFrame)
    expect(s.posted).toHaveLength(0)
    expect(s.sent).toEqual([[HOST_STATE_CHANNEL, 'restarting']])
  })

  it('reports every host state to the window, and hands a new port when a crashed host starts again', () => {
    const s = setup('ready')
    s.ask(s.mainFrame)
    s.emit('restarting')
    s.emit('starting')
    expect(s.sent).toEqual([
      [HOST_STATE_CHANNEL, 'restarting'],
      [HOST_STATE_CHANNEL, 'starting'],
    ])
    expect(s.channels).toHaveLength(2)
    expect(s.posted.at(-1)).toEqual({ channel: HOST_PORT_CHANNEL, transfer: [s.channels[1]!.port2] })
    // Not to a page that navigated away meanwhile.
    s.mainFrame.url = 'https://evil.example/'
    s.emit('restarting')
    s.emit('starting')
    expect(s.channels).toHaveLength(2)
  })

  it('closes both ends when the host cannot take the port', () => {
    const s = setup('starting')
    s.host.connect.mockReturnValueOnce(false)
    s.ask(s.mainFrame)
    expect(s.channels[0]!.port1.close).toHaveBeenCalled()
    expect(s.channels[0]!.port2.close).toHaveBeenCalled()
    expect(s.posted).toHaveLength(0)
  })
})
