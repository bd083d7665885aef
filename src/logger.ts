import * as vscode from 'vscode';

/**
 * The extension's one log channel ("Gradient Flow" in the Output panel). Messages carry a
 * `[Component]` prefix so a run can be followed across the host, the trainer and the panel.
 */
export class Logger implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel(vscode.l10n.t('Gradient Flow'), { log: true });

  info(component: string, message: string): void {
    this.channel.info(`[${component}] ${message}`);
  }

  warn(component: string, message: string): void {
    this.channel.warn(`[${component}] ${message}`);
  }

  error(component: string, message: string | Error): void {
    this.channel.error(`[${component}]`, message);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
