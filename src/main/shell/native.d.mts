export declare const ELECTRON_NATIVE_DIR: '.electron-native'
export declare const BETTER_SQLITE3_BINARY: 'better_sqlite3.node'
/** `<appRoot>/.electron-native/<electronVersion>/better_sqlite3.node` */
export declare function electronNativeBindingPath(appRoot: string, electronVersion: string): string
