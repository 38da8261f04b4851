import type { DocType } from '@kvcanary/contract';

/**
 * Turn-1 instructions, eight per document type, chosen by conversation id (as the reference tool
 * does) so that a run's opening turns are fixed by its size alone. Our own wording.
 */
export const INSTRUCTIONS: Record<DocType, readonly string[]> = {
  CODE: [
    'Read the following source file and explain what it does, module by module.',
    'Review this code as a senior engineer would: point out bugs, risky patterns and unclear names.',
    'Describe the main data structures in this file and how data flows between the functions.',
    'Summarise this code for a new team member who has to maintain it next week.',
    'List the external dependencies this code relies on and what each one is used for.',
    'Explain the error handling in this file and where it could fail silently.',
    'Identify the parts of this code that would be hardest to test, and say why.',
    'Walk through what happens, step by step, when the main entry point of this file runs.',
  ],
  TEXT: [
    'Read the following document and summarise its main points in a few paragraphs.',
    'Explain the key ideas of this document to someone who is new to the subject.',
    'List the claims this document makes and the evidence it gives for each.',
    'Write an outline of this document, section by section.',
    'Identify who this document is written for and what it expects them to do after reading it.',
    'Pick out the terms this document defines or relies on, and explain each briefly.',
    'Describe the structure of the argument in this document and where it is weakest.',
    'Turn this document into a short briefing note for a busy manager.',
  ],
};

/** Later-turn requests, ten per type, picked by the conversation's seeded random source. */
export const FOLLOW_UPS: Record<DocType, readonly string[]> = {
  CODE: [
    'Can you show how you would refactor the most complicated function?',
    'Which of the issues you mentioned would you fix first, and how?',
    'Write unit tests for the function you consider most important.',
    'How would this code behave under heavy concurrent load?',
    'Suggest better names for the three least clear identifiers.',
    'What would you change to make this code easier to extend?',
    'Explain the trickiest line in more detail.',
    'Are there any security concerns in this code? Be specific.',
    'How would you document the public interface of this file?',
    'Rewrite one part of it in a more idiomatic style and explain the changes.',
  ],
  TEXT: [
    'Can you expand on the second point you made?',
    'What are the strongest counter-arguments to this document?',
    'Give three concrete examples that illustrate the main idea.',
    'Summarise your previous answer in five bullet points.',
    'Which parts of the document are the least convincing, and why?',
    'How would you explain this to a ten-year-old?',
    'What questions does the document leave unanswered?',
    'Suggest a better title and explain your choice.',
    'How does this relate to other work on the same topic?',
    'Rewrite the opening paragraph to be clearer and shorter.',
  ],
};
