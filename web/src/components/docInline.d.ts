// Types of docInline.js (plain JS so that the Node scripts import it as it is).

export declare const teamMentionConfig: {
  readonly type: 'teamMention';
  readonly propSchema: {
    readonly id: { readonly default: '' };
    readonly name: { readonly default: 'Unknown' };
    readonly avatar: { readonly default: undefined; readonly type: 'string' };
  };
  readonly content: 'none';
};

export declare const taskReferenceConfig: {
  readonly type: 'taskReference';
  readonly propSchema: {
    readonly id: { readonly default: '' };
    readonly title: { readonly default: 'Unknown' };
    readonly status: { readonly default: 'open' };
  };
  readonly content: 'none';
};

export declare const docReferenceConfig: {
  readonly type: 'docReference';
  readonly propSchema: {
    readonly id: { readonly default: '' };
    readonly title: { readonly default: 'Unknown' };
  };
  readonly content: 'none';
};
